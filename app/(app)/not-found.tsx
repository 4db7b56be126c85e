import { ButtonLink } from "@/components/ui/button";

export default function NotFound() {
  return (
    <div className="max-w-xl space-y-4">
      <h1 className="text-xl font-semibold">Not found</h1>
      <p className="text-slate-700 dark:text-slate-300">We could not find that. It may have been deleted, or it belongs to another account.</p>
      <ButtonLink href="/dashboard">Back to the dashboard</ButtonLink>
    </div>
  );
}
