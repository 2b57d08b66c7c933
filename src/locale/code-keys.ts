/**
 * Every locale key the code asks for by name. Start-up checks each in every language, so a text
 * deleted from a locale file stops the bot with one line instead of showing a citizen a raw key.
 * Keys that flows name are checked by the flow loader, categories by `Categories.load`.
 * test/code-keys.test.ts scans src/ and keeps this list honest: a key literal in the code that is
 * not here, or an entry here that no code uses, fails it.
 */
export const CODE_KEYS: readonly string[] = [
  // the engine: answers, global words, what it cannot use
  "errors.choice",
  "errors.number",
  "errors.integer",
  "errors.number_range",
  "errors.number_min",
  "errors.number_max",
  "errors.text",
  "errors.text_short",
  "errors.text_long",
  "errors.yesno",
  "errors.location",
  "errors.location_or_text",
  "errors.photo",
  "errors.unsupported",
  "errors.unsupported_edited",
  "errors.unsupported_voice",
  "errors.photo_unavailable",
  "errors.photo_not_expected",
  "errors.too_many_attempts",
  "errors.action_failed",
  "global.cancelled",
  "global.help",
  "global.flow_changed",
  // the engine: what is understood at any question, and drafts kept aside
  "privacy.notice",
  "global.human",
  "global.greeting_reply",
  "global.thanks_reply",
  "global.ack",
  "global.emergency",
  "language.changed",
  "global.guess",
  "global.guess_declined",
  "global.draft_kept",
  "global.draft_lost",
  "global.draft_resumed",
  "words.yes_label",
  "words.no_label",
  "words.skip_label",
  // words the engine matches (texts.words(name) reads `words.<name>`)
  "words.yes",
  "words.no",
  "words.skip",
  "words.menu",
  "words.cancel",
  "words.help",
  "words.language",
  // the conversation runtime
  "global.expired",
  "errors.internal",
  "errors.store_unavailable",
  "errors.flood",
  "errors.photo_too_large",
  "errors.photo_not_image",
  "privacy.sensitive_words",
  // the HTTP server
  "errors.bad_request",
  "errors.too_large",
  "errors.server",
  "errors.rate_limited",
  // console
  "channel.location_hint",
  "channel.photo_hint",
  "channel.photo_unreadable",
  // web chat page (`channel.<label>`)
  "channel.title",
  "channel.placeholder",
  "channel.send",
  "channel.share_location",
  "channel.send_photo",
  "channel.location_unavailable",
  "channel.connection_error",
  "channel.heading",
  "channel.restart",
  "channel.log_label",
  "channel.input_label",
  "channel.waiting",
  "channel.location_sent",
  "channel.photo_sent",
  "channel.location_timeout",
  "channel.greeting",
  // Telegram
  "telegram.stale_button",
  "telegram.chosen",
  "telegram.group_hello",
  "telegram.talk_privately",
  "telegram.photo_hint",
  "telegram.share_location",
  "telegram.commands.start",
  "telegram.commands.menu",
  "telegram.commands.language",
  "telegram.commands.help",
  "telegram.commands.cancel",
  "telegram.commands.privacy",
  "telegram.commands.talk",
  // the privacy notice page: each language named in its own (`language.<code>`)
  "language.es",
  "language.en",
  // notices to citizens following a report (notify/dispatch.ts)
  "notices.status",
  "notices.answer",
  "notices.note",
  "notices.area",
  "notices.duplicate_of",
  "notices.resolved_ask",
  "notices.how_to_follow",
  // WhatsApp
  "whatsapp.choose_hint",
  "whatsapp.location_hint",
  "whatsapp.photo_hint",
  "whatsapp.admin.title",
  "whatsapp.admin.scan",
  "whatsapp.admin.ready",
  "whatsapp.admin.off",
  "whatsapp.admin.starting",
];

/**
 * Key families the code builds from a variable (`telegram.commands.${name}`): the expansions of
 * most are listed above; categories and statuses come from configuration and are checked when it
 * loads (`Categories.load`, `Lifecycle.load`).
 */
export const CODE_KEY_FAMILIES: readonly string[] = ["channel.", "telegram.commands.", "whatsapp.admin.", "words.", "language.", "category.", "status.names."];
