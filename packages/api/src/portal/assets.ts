/**
 * The portal's one stylesheet, served from `/portal/assets/portal.css` (the CSP allows styles
 * from the portal itself only). Readable on a 375 px screen; focus always visible; contrast AA.
 */
export const PORTAL_CSS = `
*,*::before,*::after{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1a1a1a;background:#f6f7f9}
a{color:#0b57d0}
a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible{outline:3px solid #0b57d0;outline-offset:2px}
.skip{position:absolute;left:-999px}
.skip:focus{left:8px;top:8px;background:#fff;padding:8px;z-index:1}
.top{background:#fff;border-bottom:1px solid #d9dce1;padding:12px 16px;display:flex;flex-wrap:wrap;gap:8px 16px;align-items:center}
.brand{font-weight:700;margin:0}
nav ul{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:4px 12px}
nav a[aria-current="page"]{font-weight:700;text-decoration:none;color:#1a1a1a}
.sign-out{margin-left:auto}
main{max-width:56rem;margin:0 auto;padding:16px}
footer{max-width:56rem;margin:0 auto;padding:0 16px 24px;color:#4a4f57}
h1{font-size:1.5rem;margin:.5rem 0 1rem}
h2{font-size:1.15rem;margin:1.5rem 0 .5rem}
section,.card{background:#fff;border:1px solid #d9dce1;border-radius:8px;padding:16px;margin:0 0 16px}
table{width:100%;border-collapse:collapse;background:#fff}
th,td{text-align:left;padding:8px;border-bottom:1px solid #e3e5e8;vertical-align:top}
td.num,th.num{text-align:right;white-space:nowrap}
.table-wrap{overflow-x:auto}
.table-wrap:focus-visible{outline:3px solid #0b57d0;outline-offset:2px}
button,.button{font:inherit;padding:8px 14px;border-radius:6px;border:1px solid #0b57d0;background:#0b57d0;color:#fff;cursor:pointer;text-decoration:none;display:inline-block}
button.secondary{background:#fff;color:#0b57d0}
label{display:block;font-weight:600;margin:.75rem 0 .25rem}
input,select{font:inherit;width:100%;max-width:28rem;padding:8px;border:1px solid #767b84;border-radius:6px;background:#fff}
.field-error{color:#a50e0e;margin:.25rem 0 0}
[aria-invalid="true"]{border-color:#a50e0e}
.notice{padding:10px 12px;border-radius:6px}
.notice.ok{background:#e6f4ea;color:#0d5223}
.notice.error{background:#fce8e6;color:#8c1d18}
.muted{color:#4a4f57}
.inline{display:inline}
.check-row{display:flex;gap:8px;align-items:center;margin:.75rem 0}
.check-row input{width:auto}
.check-row label{margin:0}
textarea{font:inherit;width:100%;max-width:28rem;padding:8px;border:1px solid #767b84;border-radius:6px}
.actions{display:flex;flex-wrap:wrap;gap:8px;align-items:center}
`;
