import QRCode from 'qrcode';
import { useEffect, useState } from 'react';

/**
 * A QR code of `text` as an <img> with a PNG data: URL, made in the browser by the `qrcode` package: the secret never
 * leaves the page for a third party, and the console's CSP already allows `img-src data:` (nothing inline runs).
 * Error correction M (15 %) survives a creased or smudged printout; the quiet zone is the standard 4 modules.
 */
export function Qr({ text, label, size = 240 }: { text: string; label: string; size?: number }) {
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    QRCode.toDataURL(text, { errorCorrectionLevel: 'M', margin: 4, width: size })
      .then((u) => live && setUrl(u))
      .catch(() => live && setUrl(null));
    return () => {
      live = false;
    };
  }, [text, size]);
  return url ? <img className="qr" src={url} alt={label} width={size} height={size} /> : <span aria-busy="true">Drawing the QR code…</span>;
}
