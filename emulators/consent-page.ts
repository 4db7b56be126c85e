/**
 * The look of the sandbox's sign-in and consent screens: close enough to the real ones (a card
 * on a plain page, the app's name, what it may do, one clear button) to teach a user what they
 * will see, with a "Sandbox" ribbon so nobody mistakes them for the real thing. Works on a phone.
 */
export function consentShell(options: { title: string; brand: "google" | "microsoft"; body: string }): string {
  const accent = options.brand === "google" ? "#1a73e8" : "#0067b8";
  const logo =
    options.brand === "google"
      ? `<svg viewBox="0 0 48 48" width="32" height="32" aria-hidden="true"><path fill="#4285F4" d="M45 24.5c0-1.6-.1-3.1-.4-4.5H24v8.5h11.8a10 10 0 0 1-4.4 6.6v5.5h7.1c4.2-3.8 6.5-9.5 6.5-16.1z"/><path fill="#34A853" d="M24 46c5.9 0 10.9-2 14.5-5.4l-7.1-5.5c-2 1.3-4.5 2.1-7.4 2.1-5.7 0-10.5-3.8-12.2-9H4.5v5.7A22 22 0 0 0 24 46z"/><path fill="#FBBC05" d="M11.8 28.2a13 13 0 0 1 0-8.4v-5.7H4.5a22 22 0 0 0 0 19.8z"/><path fill="#EA4335" d="M24 10.8c3.2 0 6.1 1.1 8.4 3.3l6.3-6.3A22 22 0 0 0 4.5 14.1l7.3 5.7c1.7-5.2 6.5-9 12.2-9z"/></svg>`
      : `<svg viewBox="0 0 23 23" width="28" height="28" aria-hidden="true"><path fill="#f35325" d="M1 1h10v10H1z"/><path fill="#81bc06" d="M12 1h10v10H12z"/><path fill="#05a6f0" d="M1 12h10v10H1z"/><path fill="#ffba08" d="M12 12h10v10H12z"/></svg>`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,"><title>${options.title}</title>
<style>
*{box-sizing:border-box}
body{margin:0;background:#f1f3f4;color:#202124;font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
main{max-width:28rem;margin:2.5rem auto;background:#fff;border:1px solid #dadce0;border-radius:${options.brand === "google" ? "8px" : "0"};padding:2rem 2rem 1.5rem}
@media (max-width:480px){main{margin:0;border:0;border-radius:0;min-height:100vh;padding:1.5rem 1.25rem}}
.ribbon{display:inline-block;margin:.75rem 0 0;padding:.15rem .5rem;border-radius:999px;background:#fef7e0;color:#7a4f01;font-size:.8rem;font-weight:600}
h1{font-size:1.5rem;font-weight:400;margin:.75rem 0 .25rem}
p{margin:.5rem 0}
.muted{color:#5f6368;font-size:.9rem}
ul.scopes{list-style:none;padding:0;margin:1rem 0;border-top:1px solid #e0e0e0}
ul.scopes li{padding:.7rem 0;border-bottom:1px solid #e0e0e0}
label{display:block;font-size:.9rem;margin:1rem 0 .3rem}
input[type=email]{width:100%;font-size:1rem;padding:.7rem .75rem;border:1px solid #80868b;border-radius:4px}
.actions{display:flex;flex-wrap:wrap;justify-content:flex-end;gap:.5rem;margin-top:1.5rem}
button{font:inherit;font-weight:500;padding:.55rem 1.4rem;border-radius:${options.brand === "google" ? "4px" : "0"};border:1px solid transparent;cursor:pointer}
button.primary{background:${accent};color:#fff}
button.secondary{background:#fff;color:${accent};border-color:#dadce0}
button.account{display:block;width:100%;text-align:left;background:#fff;border:0;border-bottom:1px solid #e0e0e0;padding:.8rem .25rem;border-radius:0;color:inherit}
button.account:hover{background:#f5f5f5}
button.account small{display:block;color:#5f6368;font-weight:400}
form{margin:0}
</style></head><body><main>${logo}<div class="ribbon">Sandbox: a local stand-in, no real account is used</div>${options.body}</main></body></html>`;
}
