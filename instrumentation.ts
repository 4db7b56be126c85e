export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  // Loaded here, not at the top: the edge runtime must not bundle the server's composition.
  const { compose } = await import("./server/compose");
  await compose();
}
