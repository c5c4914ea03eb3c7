// The part of Mermaid's API the client uses. Mermaid is installed only in ../../client, at build
// time (see scripts/build-client.mjs), so the workspace's type check sees this declaration; the
// build checks the client against Mermaid's own types (client/tsconfig.json).
declare module "mermaid" {
  interface MermaidConfig {
    startOnLoad?: boolean;
    securityLevel?: "strict" | "loose" | "antiscript" | "sandbox";
    theme?: "default" | "base" | "dark" | "forest" | "neutral" | "null";
    flowchart?: { htmlLabels?: boolean };
  }
  const mermaid: {
    initialize(config: MermaidConfig): void;
    render(id: string, text: string): Promise<{ svg: string }>;
  };
  export default mermaid;
}
