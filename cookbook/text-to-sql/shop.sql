-- A small shop: the database the text-to-SQL example asks questions of.
-- main.ts builds data/shop.db from this file on first run.
CREATE TABLE customers (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  email TEXT NOT NULL UNIQUE,
  city TEXT NOT NULL,
  joined_on TEXT NOT NULL -- ISO date
);

CREATE TABLE products (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  category TEXT NOT NULL,
  price_cents INTEGER NOT NULL,
  stock INTEGER NOT NULL
);

CREATE TABLE orders (
  id INTEGER PRIMARY KEY,
  customer_id INTEGER NOT NULL REFERENCES customers(id),
  ordered_on TEXT NOT NULL, -- ISO date
  status TEXT NOT NULL CHECK (status IN ('pending', 'shipped', 'delivered', 'cancelled'))
);

CREATE TABLE order_items (
  order_id INTEGER NOT NULL REFERENCES orders(id),
  product_id INTEGER NOT NULL REFERENCES products(id),
  quantity INTEGER NOT NULL,
  PRIMARY KEY (order_id, product_id)
);

INSERT INTO customers (id, name, email, city, joined_on) VALUES
  (1, 'Ada Lovelace', 'ada@example.com', 'London', '2024-01-15'),
  (2, 'Grace Hopper', 'grace@example.com', 'New York', '2024-02-03'),
  (3, 'Alan Turing', 'alan@example.com', 'Manchester', '2024-03-22'),
  (4, 'Katherine Johnson', 'katherine@example.com', 'Hampton', '2024-04-10'),
  (5, 'Linus Torvalds', 'linus@example.com', 'Portland', '2024-05-05'),
  (6, 'Margaret Hamilton', 'margaret@example.com', 'Boston', '2024-06-18');

INSERT INTO products (id, name, category, price_cents, stock) VALUES
  (1, 'Mechanical keyboard', 'peripherals', 8900, 40),
  (2, 'Trackball mouse', 'peripherals', 4500, 25),
  (3, '27-inch monitor', 'displays', 27900, 12),
  (4, 'USB-C hub', 'accessories', 3900, 80),
  (5, 'Laptop stand', 'accessories', 2900, 55),
  (6, 'Noise-cancelling headphones', 'audio', 19900, 18),
  (7, 'Webcam', 'peripherals', 6900, 30);

INSERT INTO orders (id, customer_id, ordered_on, status) VALUES
  (1, 1, '2024-07-01', 'delivered'),
  (2, 2, '2024-07-03', 'delivered'),
  (3, 1, '2024-07-15', 'shipped'),
  (4, 3, '2024-08-02', 'delivered'),
  (5, 4, '2024-08-09', 'cancelled'),
  (6, 5, '2024-08-20', 'pending'),
  (7, 2, '2024-09-01', 'shipped'),
  (8, 6, '2024-09-12', 'delivered'),
  (9, 3, '2024-09-30', 'pending');

INSERT INTO order_items (order_id, product_id, quantity) VALUES
  (1, 1, 1), (1, 4, 2),
  (2, 3, 2),
  (3, 6, 1), (3, 5, 1),
  (4, 2, 1), (4, 7, 1),
  (5, 3, 1),
  (6, 1, 3),
  (7, 4, 1), (7, 5, 2),
  (8, 6, 2),
  (9, 7, 1), (9, 2, 2);
