/** A QR code drawn as SVG (the WhatsApp login's, on its page and the panel's): `qrcode` is loaded the first time one is drawn. */
export async function qrSvg(text: string, width: number): Promise<string> {
  const { default: QRCode } = await import("qrcode");
  return QRCode.toString(text, { type: "svg", margin: 2, width });
}
