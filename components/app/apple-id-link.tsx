/** appleid.apple.com as a real link (opens in a new tab, so a half-filled form stays). */
export function AppleIdLink({ children = "appleid.apple.com" }: { children?: React.ReactNode }) {
  return (
    <a href="https://appleid.apple.com" target="_blank" rel="noreferrer" className="font-medium text-brand-700 underline dark:text-brand-100">
      {children}
    </a>
  );
}
