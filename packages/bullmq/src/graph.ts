import { type BaseNode, Flow, reachable } from "flowlet";

/**
 * Every node of a flow by a key that names its place ("2", "2/0" inside a nested flow), in the
 * same deterministic order in every process that builds the same flow: how a worker finds the
 * batch node an item job belongs to.
 */
export function indexNodes(flow: { readonly startNode: BaseNode<never> | undefined }): Map<string, BaseNode<never>> {
  const byKey = new Map<string, BaseNode<never>>();
  const walk = (start: BaseNode<never> | undefined, prefix: string) => {
    reachable(start).forEach((node, i) => {
      const key = prefix ? `${prefix}/${i}` : String(i);
      byKey.set(key, node);
      if (node instanceof Flow) walk(node.startNode, key);
    });
  };
  walk(flow.startNode, "");
  return byKey;
}
