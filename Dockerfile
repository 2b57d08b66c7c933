# The bot, as `npm start` runs it. Used by docker-compose.yml; any MongoDB works through MONGODB_URI.
FROM node:20-bookworm-slim
# The Debian Chromium for WhatsApp Web (CHROMIUM_PATH=/usr/bin/chromium).
RUN apt-get update && apt-get install -y --no-install-recommends chromium && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# puppeteer (pulled in for WhatsApp) must not download a browser: the Debian Chromium is used.
COPY package.json package-lock.json .puppeteerrc.cjs ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN mkdir -p var && chown node:node var
ENV NODE_ENV=production
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
USER node
CMD ["npm", "start"]
