// whatsapp-web.js pulls in puppeteer; we run the system Chromium, never a downloaded one.
module.exports = { skipDownload: true };
