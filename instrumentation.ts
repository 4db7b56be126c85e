export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  // Loaded here, not at the top: the edge runtime must not bundle the server's composition.
  const { startServer } = await import("./server/compose");
  await startServer();
}
