// A QR code as inline SVG, drawn by lit from the module matrix of `uqr` (no
// innerHTML, no inline style: fine under the CSP). One path, one square per dark
// module, with the standard 4-module quiet zone.

import { html, type TemplateResult } from 'lit-html';
import { encode } from 'uqr';

export function qrSvg(text: string, label: string): TemplateResult {
  // 'M': a phone camera still reads it with a smudge; links here stay short.
  const { data, size } = encode(text, { ecc: 'M', border: 4 });
  let path = '';
  let dark = 0;
  data.forEach((row, y) => {
    row.forEach((on, x) => {
      if (on) {
        path += `M${x} ${y}h1v1h-1z`;
        dark++;
      }
    });
  });
  return html`<svg
    class="qr"
    xmlns="http://www.w3.org/2000/svg"
    viewBox="0 0 ${size} ${size}"
    role="img"
    aria-label=${label}
    data-modules=${dark}
    shape-rendering="crispEdges"
  ><rect width=${size} height=${size} fill="#ffffff"></rect><path d=${path} fill="#000000"></path></svg>`;
}
