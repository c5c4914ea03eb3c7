/** Escapes text for an HTML element's content or a double-quoted attribute. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * A self-contained page that renders a Mermaid diagram. Mermaid reads the `<pre>`'s text content,
 * so the escaped diagram renders as written and a node name can never inject markup.
 */
export function mermaidPage(title: string, diagram: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)}</title>
<style>body { font-family: system-ui, sans-serif; margin: 2rem; } pre.mermaid { background: #fafafa; }</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<pre class="mermaid">
${escapeHtml(diagram)}
</pre>
<script type="module">
import mermaid from "https://cdn.jsdelivr.net/npm/mermaid@11/dist/mermaid.esm.min.mjs";
mermaid.initialize({ startOnLoad: true, securityLevel: "strict" });
</script>
</body>
</html>
`;
}
