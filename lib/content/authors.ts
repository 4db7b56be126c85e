/** Who writes the blog. A post's `author` front-matter must be one of these ids. */
export const authors = {
  "hetk-team": {
    name: "The Hetk team",
    role: "The people who build and support Hetk",
    bio: "Posts signed by the whole team: product news and the thinking behind how Hetk syncs.",
  },
  "mira-kallas": {
    name: "Mira Kallas",
    role: "Founding engineer, sync engine",
    bio: "Mira wrote Hetk's two-way sync and spends her days reading CalDAV server logs so you don't have to.",
  },
  "jonas-rebane": {
    name: "Jonas Rebane",
    role: "Founding engineer, providers and support",
    bio: "Jonas looks after the Google, Microsoft and iCloud connections and answers a good share of the support mail.",
  },
} as const;

export type AuthorId = keyof typeof authors;
export const authorIds = Object.keys(authors) as AuthorId[];
