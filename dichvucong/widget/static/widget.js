/*!
 * Trợ lý dịch vụ công — web chat widget.
 * Embed with one tag:
 *   <script src="https://<console>/widget/widget.js" data-rasa-url="https://<rasa>" defer></script>
 * data- attributes: rasa-url, session-url (default: widget.js's folder + "session"), title,
 * greeting, suggestions ("a|b|c"), open ("true").
 * The widget talks to Rasa's web channel (/webhooks/web/webhook) with a signed session token
 * from the console (POST <session-url>); the token, not the page, decides which conversation
 * the messages belong to.
 * Everything lives in a shadow root; bot and user text is only ever inserted as text nodes.
 */
(function () {
  "use strict";

  if (window.__dvcWidget) return; // the tag was included twice

  const CSS = "__DVCW_CSS__"; // replaced by widget.css when /widget/widget.js is served

  const script = document.currentScript || findOwnScript();
  const data = (script && script.dataset) || {};
  const assetBase = script && script.src ? new URL(".", script.src).href : "/widget/";

  const DEFAULT_GREETING =
    "Xin chào! Tôi là trợ lý ảo dịch vụ công. Bạn cần hỏi về thủ tục nào: giấy tờ, lệ phí, thời gian hay nơi nộp hồ sơ?";
  const DEFAULT_SUGGESTIONS = "Làm lại căn cước mất bao nhiêu tiền?|Đăng ký khai sinh cần giấy tờ gì?|Đăng ký kết hôn nộp ở đâu?";

  const config = {
    rasaUrl: (data.rasaUrl || location.protocol + "//" + location.hostname + ":5005").replace(/\/+$/, ""),
    title: data.title || "Trợ lý dịch vụ công",
    greeting: data.greeting || DEFAULT_GREETING,
    suggestions: (data.suggestions !== undefined ? data.suggestions : DEFAULT_SUGGESTIONS)
      .split("|").map((s) => s.trim()).filter(Boolean).slice(0, 6),
    sessionUrl: data.sessionUrl || assetBase + "session",
    openOnLoad: data.open === "true",
  };
  // Replies staff write in the console while a person handles the conversation (live handoff).
  config.updatesUrl = data.updatesUrl || new URL("updates", new URL(config.sessionUrl, location.href)).href;

  const TEXT = {
    open: "Mở " + config.title.toLowerCase(),
    close: "Đóng cửa sổ trò chuyện",
    newChat: "Bắt đầu cuộc trò chuyện mới",
    confirmNewChat: "Xóa lịch sử trò chuyện trên máy này và bắt đầu lại?",
    online: "Đang trực tuyến",
    withStaff: "Đang kết nối với cán bộ hỗ trợ",
    staffSays: "Cán bộ: ",
    staff: "Cán bộ hỗ trợ",
    connecting: "Đang kết nối…",
    offline: "Mất kết nối",
    lost: "Mất kết nối, đang kết nối lại…",
    lostDetail: "Tin nhắn bạn gửi sẽ được chuyển đi khi có kết nối.",
    retry: "Thử lại ngay",
    back: "Đã kết nối lại.",
    typing: "Đang trả lời…",
    placeholder: "Nhập câu hỏi...",
    inputLabel: "Nhập câu hỏi",
    send: "Gửi",
    log: "Tin nhắn trò chuyện",
    suggestions: "Gợi ý câu hỏi",
    botSays: "Trợ lý: ",
    youSay: "Bạn: ",
    pending: "Đang chờ gửi",
    failed: "Không gửi được tin nhắn này",
    image: "Hình ảnh từ trợ lý",
    footnote: "Thông tin chỉ mang tính tham khảo. Trợ lý có thể nhầm lẫn.",
    newMessages: (n) => n + " tin nhắn mới",
  };

  const MAX_HISTORY = 200;
  const HISTORY_TTL_MS = 7 * 24 * 3600 * 1000;
  const STORAGE_KEY = "dvcw:v2:" + config.rasaUrl;
  const OPEN_KEY = STORAGE_KEY + ":open";

  /* ------------------------------------------------------------------ storage */

  const memoryStore = {};
  function storageGet(store, key) {
    try { return window[store].getItem(key); } catch (e) { return memoryStore[store + key] || null; }
  }
  function storageSet(store, key, value) {
    try { window[store].setItem(key, value); } catch (e) { memoryStore[store + key] = value; }
  }
  function storageRemove(store, key) {
    try { window[store].removeItem(key); } catch (e) { delete memoryStore[store + key]; }
  }

  function newId(prefix) {
    if (window.crypto && crypto.randomUUID) return prefix + crypto.randomUUID().replace(/-/g, "");
    const bytes = new Uint8Array(16);
    (window.crypto || {}).getRandomValues ? crypto.getRandomValues(bytes) : bytes.forEach((_, i) => (bytes[i] = Math.random() * 256));
    return prefix + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  /* state.session: { token, issuedAt, expiresAt } (seconds) from the console, or null.
   * state.handoff: { state: "live" | "left", after: tracker event id | null } while a person
   * handles (or will answer) the conversation, else null. */
  function freshState() {
    return { session: null, messages: [], handoff: null, updated: Date.now() };
  }

  function loadState() {
    try {
      const saved = JSON.parse(storageGet("localStorage", STORAGE_KEY) || "null");
      if (saved && Array.isArray(saved.messages) && Date.now() - (saved.updated || 0) < HISTORY_TTL_MS) {
        if (!saved.session || typeof saved.session.token !== "string") saved.session = null;
        if (!saved.handoff || (saved.handoff.state !== "live" && saved.handoff.state !== "left")) saved.handoff = null;
        saved.messages = saved.messages.filter((m) => m && typeof m.text === "string" && (m.role === "bot" || m.role === "user"));
        return saved;
      }
    } catch (e) { /* corrupt entry: start again */ }
    return freshState();
  }

  let state = loadState();

  function saveState() {
    state.updated = Date.now();
    if (state.messages.length > MAX_HISTORY) state.messages = state.messages.slice(-MAX_HISTORY);
    storageSet("localStorage", STORAGE_KEY, JSON.stringify(state));
  }

  /* ------------------------------------------------------------------ DOM helpers */

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (name === "class") node.className = value;
      else if (name === "text") node.textContent = value;
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children || []) node.append(child);
    return node;
  }

  const SVG_NS = "http://www.w3.org/2000/svg";
  const ICONS = {
    chat: "M12 3C6.5 3 2 6.9 2 11.7c0 2.6 1.3 4.9 3.4 6.5-.1 1.1-.6 2.4-1.7 3.4 2.2 0 3.9-.8 5-1.7 1 .3 2.1.4 3.3.4 5.5 0 10-3.9 10-8.6S17.5 3 12 3zm-4.5 9.9a1.2 1.2 0 1 1 0-2.4 1.2 1.2 0 0 1 0 2.4zm4.5 0a1.2 1.2 0 1 1 0-2.4 1.2 1.2 0 0 1 0 2.4zm4.5 0a1.2 1.2 0 1 1 0-2.4 1.2 1.2 0 0 1 0 2.4z",
    close: "M6.4 5 5 6.4 10.6 12 5 17.6 6.4 19l5.6-5.6 5.6 5.6 1.4-1.4-5.6-5.6L19 6.4 17.6 5 12 10.6z",
    minimize: "M5 11h14v2H5z",
    refresh: "M17.6 6.4A8 8 0 1 0 19.7 14h-2.1a6 6 0 1 1-1.4-6.2L13 11h7V4z",
    send: "M3.4 20.4 21 12 3.4 3.6 3.4 10l12.6 2-12.6 2z",
    bot: "M12 2a1.5 1.5 0 0 1 1 2.6V6h4a3 3 0 0 1 3 3v8a3 3 0 0 1-3 3H7a3 3 0 0 1-3-3V9a3 3 0 0 1 3-3h4V4.6A1.5 1.5 0 0 1 12 2zM9 11a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zm6 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zm-6 5.2v1.3h6v-1.3z",
  };
  function icon(name, cls) {
    const svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    if (cls) svg.setAttribute("class", cls);
    const path = document.createElementNS(SVG_NS, "path");
    path.setAttribute("d", ICONS[name]);
    path.setAttribute("fill", "currentColor");
    svg.append(path);
    return svg;
  }

  const URL_RE = /\bhttps?:\/\/[^\s<>"'`]+/gi;

  /** Text nodes and anchors for http(s) URLs; nothing is ever parsed as HTML. */
  function richText(text) {
    const frag = document.createDocumentFragment();
    let last = 0;
    for (const match of text.matchAll(URL_RE)) {
      let href = match[0];
      const trail = /[.,;:!?)\]}»”]+$/.exec(href);
      if (trail) href = href.slice(0, -trail[0].length);
      let url = null;
      try { url = new URL(href); } catch (e) { url = null; }
      if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) continue;
      frag.append(document.createTextNode(text.slice(last, match.index)));
      frag.append(el("a", { href: url.href, target: "_blank", rel: "noopener noreferrer nofollow", text: href }));
      last = match.index + href.length;
    }
    frag.append(document.createTextNode(text.slice(last)));
    return frag;
  }

  function safeImageUrl(src) {
    try {
      const url = new URL(String(src), location.href);
      return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
    } catch (e) { return null; }
  }

  function clockTime(ts) {
    const d = new Date(ts || Date.now());
    return String(d.getHours()).padStart(2, "0") + ":" + String(d.getMinutes()).padStart(2, "0");
  }

  /* ------------------------------------------------------------------ build the UI */

  const host = el("div", { id: "dvc-chat-widget", lang: "vi", "data-dvcw": "" });
  const root = host.attachShadow({ mode: "open" });
  root.append(el("style", { text: CSS }));

  const badge = el("span", { class: "dvcw-badge", "aria-hidden": "true", hidden: true });
  const launcher = el("button", {
    type: "button", class: "dvcw-launcher", "aria-label": TEXT.open, "aria-expanded": "false",
    "aria-controls": "dvcw-panel", title: config.title,
  }, [icon("chat", "dvcw-icon-chat"), icon("close", "dvcw-icon-close"), badge]);

  const statusText = el("span", { text: TEXT.online });
  const status = el("div", { class: "dvcw-status", "data-state": "online" }, [el("span", { class: "dvcw-dot", "aria-hidden": "true" }), statusText]);
  const newChatBtn = el("button", { type: "button", class: "dvcw-icon-btn", "aria-label": TEXT.newChat, title: TEXT.newChat }, [icon("refresh")]);
  const closeBtn = el("button", { type: "button", class: "dvcw-icon-btn", "aria-label": TEXT.close, title: TEXT.close }, [icon("minimize")]);
  const header = el("header", { class: "dvcw-header" }, [
    el("span", { class: "dvcw-avatar", "aria-hidden": "true" }, [icon("bot")]),
    el("div", { class: "dvcw-heading" }, [el("h2", { class: "dvcw-title", id: "dvcw-title", text: config.title }), status]),
    newChatBtn, closeBtn,
  ]);

  const bannerText = el("div", { class: "dvcw-banner-text" });
  const retryBtn = el("button", { type: "button", class: "dvcw-retry", text: TEXT.retry });
  const banner = el("div", { class: "dvcw-banner", role: "status", hidden: true }, [
    el("span", { class: "dvcw-spinner", "aria-hidden": "true" }), bannerText, retryBtn,
  ]);

  const log = el("div", { class: "dvcw-log", role: "log", "aria-live": "polite", "aria-relevant": "additions", "aria-label": TEXT.log });
  const typing = el("div", { class: "dvcw-typing", role: "status", hidden: true }, [
    el("span", { class: "dvcw-avatar", "aria-hidden": "true" }, [icon("bot")]),
    el("span", { class: "dvcw-typing-bubble" }, [
      el("span", { class: "dvcw-dots", "aria-hidden": "true" }, [el("i"), el("i"), el("i")]),
      el("span", { text: TEXT.typing }),
    ]),
  ]);
  const body = el("div", { class: "dvcw-body" }, [log, typing]);

  const input = el("textarea", {
    class: "dvcw-input", rows: "1", maxlength: "1000", placeholder: TEXT.placeholder,
    "aria-label": TEXT.inputLabel, autocomplete: "off", enterkeyhint: "send",
  });
  const sendBtn = el("button", { type: "submit", class: "dvcw-send" }, [icon("send"), el("span", { text: TEXT.send })]);
  const composer = el("form", { class: "dvcw-composer", novalidate: true }, [input, sendBtn]);

  const panel = el("section", {
    id: "dvcw-panel", class: "dvcw-panel", role: "dialog", "aria-modal": "false",
    "aria-labelledby": "dvcw-title", lang: "vi", hidden: true,
  }, [header, banner, body, composer, el("p", { class: "dvcw-footnote", text: TEXT.footnote })]);

  root.append(panel, launcher);

  /* ------------------------------------------------------------------ rendering */

  function messageNode(m) {
    const isBot = m.role === "bot";
    const bubble = el("div", { class: "dvcw-bubble" }, [el("span", { class: "dvcw-sr", text: !isBot ? TEXT.youSay : m.agent ? TEXT.staffSays : TEXT.botSays })]);
    if (isBot && m.agent) bubble.append(el("span", { class: "dvcw-agent", "aria-hidden": "true", text: TEXT.staff + (m.agent === TEXT.staff ? "" : " · " + m.agent) }));
    if (m.text) bubble.append(el("span", { class: "dvcw-text" }, [isBot ? richText(m.text) : m.text]));
    const image = isBot && m.image ? safeImageUrl(m.image) : null;
    if (image) bubble.append(el("img", { src: image, alt: TEXT.image, loading: "lazy" }));
    const meta = el("span", { class: "dvcw-meta" });
    bubble.append(meta);
    const col = el("div", { class: "dvcw-msg-col" }, [bubble]);
    const row = el("div", { class: "dvcw-msg dvcw-msg--" + (isBot ? "bot" : "user") + (m.agent ? " dvcw-msg--agent" : ""), "data-id": m.id }, [
      isBot ? el("span", { class: "dvcw-avatar", "aria-hidden": "true" }, [icon("bot")]) : "", col,
    ]);
    updateMeta(row, m);
    return row;
  }

  /* "sending" (in flight, not stored) shows no label; "pending" means queued until online. */
  function updateMeta(row, m, sending) {
    const meta = row.querySelector(".dvcw-meta");
    row.dataset.status = sending ? "sending" : m.status || "sent";
    const label = sending ? "" : m.status === "pending" ? TEXT.pending : m.status === "failed" ? TEXT.failed : "";
    meta.textContent = clockTime(m.ts) + (label ? " · " + label : "");
  }

  function rowFor(m) {
    return log.querySelector('[data-id="' + m.id + '"]');
  }

  function renderChips() {
    for (const old of log.querySelectorAll(".dvcw-chips")) old.remove();
    const last = state.messages[state.messages.length - 1];
    let buttons = null, row = null;
    if (!last) {
      buttons = config.suggestions.map((title) => ({ title: title, payload: title }));
      row = log.querySelector(".dvcw-msg--greeting");
    } else if (last.role === "bot" && Array.isArray(last.buttons) && last.buttons.length) {
      buttons = last.buttons;
      row = rowFor(last);
    }
    if (!buttons || !buttons.length || !row) return;
    const chips = el("div", { class: "dvcw-chips", role: "group", "aria-label": TEXT.suggestions });
    for (const b of buttons) {
      const chip = el("button", { type: "button", class: "dvcw-chip", text: String(b.title) });
      chip.addEventListener("click", () => {
        send(String(b.title), String(b.payload || b.title));
        input.focus(); // the chip is gone now: keep focus inside the panel
      });
      chips.append(chip);
    }
    row.querySelector(".dvcw-msg-col").append(chips);
  }

  function renderAll() {
    log.replaceChildren();
    const greeting = messageNode({ id: "greeting", role: "bot", text: config.greeting, ts: state.messages.length ? state.messages[0].ts : Date.now() });
    greeting.classList.add("dvcw-msg--greeting");
    greeting.querySelector(".dvcw-meta").remove();
    log.append(greeting);
    for (const m of state.messages) log.append(messageNode(m));
    renderChips();
    scrollToEnd(false);
  }

  function scrollToEnd(smooth) {
    requestAnimationFrame(() => {
      body.style.scrollBehavior = smooth ? "" : "auto";
      body.scrollTop = body.scrollHeight;
      body.style.scrollBehavior = "";
    });
  }

  function addMessage(m, scroll) {
    state.messages.push(m);
    saveState();
    const row = messageNode(m);
    log.append(row);
    renderChips();
    if (scroll !== false) scrollToEnd(true);
    return row;
  }

  /* A reply taller than the conversation area is shown from its first line, not its last. */
  function scrollToReply(first) {
    requestAnimationFrame(() => {
      const top = first.getBoundingClientRect().top - body.getBoundingClientRect().top + body.scrollTop - 12;
      body.scrollTop = body.scrollHeight - top > body.clientHeight ? top : body.scrollHeight;
    });
  }

  let unread = 0;
  let replyAnchor = null; // first bot message since the citizen last wrote
  function addBotMessages(messages) {
    let first = null;
    for (const raw of messages) {
      const m = normalizeBotMessage(raw);
      if (!m) continue;
      const row = addMessage(m, false);
      first = first || row;
      if (panel.hidden) unread += 1;
    }
    setTyping(false);
    replyAnchor = replyAnchor && replyAnchor.isConnected ? replyAnchor : first;
    if (replyAnchor) scrollToReply(replyAnchor);
    badge.hidden = unread === 0;
    badge.textContent = String(unread);
    launcher.setAttribute("aria-label", TEXT.open + (unread ? " (" + TEXT.newMessages(unread) + ")" : ""));
  }

  function normalizeBotMessage(raw) {
    if (!raw || typeof raw !== "object") return null;
    const buttons = (raw.buttons || raw.quick_replies || [])
      .filter((b) => b && b.title !== undefined)
      .map((b) => ({ title: String(b.title), payload: String(b.payload !== undefined ? b.payload : b.title) }));
    const image = raw.image || (raw.attachment && raw.attachment.payload && raw.attachment.payload.src) || null;
    const text = typeof raw.text === "string" ? raw.text : "";
    if (!text && !image && !buttons.length) return null;
    const m = { id: newId("m"), role: "bot", text: text, buttons: buttons, image: image, ts: Date.now() };
    if (typeof raw.agent === "string" && raw.agent) m.agent = raw.agent;
    if (typeof raw.eventId === "number") m.eventId = raw.eventId;
    return m;
  }

  let typingTimer = null;
  function setTyping(on) {
    clearTimeout(typingTimer);
    typing.hidden = !on;
    if (on) {
      scrollToEnd(true);
      typingTimer = setTimeout(() => setTyping(false), 60000);
    }
  }

  /* ------------------------------------------------------------------ connection state */

  let connection = "online";
  let bannerTimer = null;

  function setConnection(next) {
    const previous = connection;
    connection = next;
    status.dataset.state = next;
    statusText.textContent = next === "online" ? onlineText() : next === "offline" ? TEXT.offline : TEXT.connecting;
    clearTimeout(bannerTimer);
    if (next === "offline") {
      setTyping(false);
      banner.dataset.kind = "warn";
      bannerText.replaceChildren(el("strong", { text: TEXT.lost }), el("span", { text: TEXT.lostDetail }));
      retryBtn.hidden = false;
      banner.hidden = false;
    } else if (next === "online" && previous === "offline") {
      banner.dataset.kind = "ok";
      bannerText.replaceChildren(el("strong", { text: TEXT.back }));
      retryBtn.hidden = true;
      banner.hidden = false;
      bannerTimer = setTimeout(() => { banner.hidden = true; }, 2500);
    } else if (next === "online") {
      banner.hidden = true;
    }
    if (next === "online") flush();
  }

  class TransientError extends Error {}
  class PermanentError extends Error {}

  /* Session tokens: asked of the console, renewed (same conversation) once half their life
   * has passed, replaced by a new session when the console or Rasa says the token is over. */
  class SessionEndedError extends Error {}
  let sessionRequest = null;

  async function postJson(url, body, headers, timeoutMs) {
    const controller = new AbortController();
    const t = setTimeout(() => controller.abort(), timeoutMs);
    try {
      return await fetch(url, {
        method: "POST", signal: controller.signal, cache: "no-store", credentials: "omit",
        headers: Object.assign({ "Content-Type": "application/json" }, headers || {}),
        body: JSON.stringify(body),
      });
    } finally { clearTimeout(t); }
  }

  async function requestSession(renewToken) {
    let response;
    try {
      response = await postJson(config.sessionUrl, renewToken ? { token: renewToken } : {}, null, 15000);
    } catch (e) { throw new TransientError(String(e)); }
    if (response.status === 401 && renewToken) return requestSession(null); // too old: start anew
    if (!response.ok) throw new TransientError("session HTTP " + response.status);
    const data = await response.json();
    if (!data || typeof data.token !== "string") throw new TransientError("session: no token");
    state.session = { token: data.token, issuedAt: data.issued_at, expiresAt: data.expires_at };
    saveState();
    return state.session.token;
  }

  /* A token good for a while yet: the stored one, a renewed one, or a new session's. */
  function sessionToken() {
    const s = state.session;
    const now = Date.now() / 1000;
    if (s && s.expiresAt - now > (s.expiresAt - s.issuedAt) / 2) return Promise.resolve(s.token);
    if (!sessionRequest) {
      const renew = s && s.expiresAt - now > 30 ? s.token : null;
      sessionRequest = requestSession(renew).finally(() => { sessionRequest = null; });
    }
    return sessionRequest;
  }

  function dropSession(token) {
    if (state.session && state.session.token === token) { state.session = null; saveState(); }
  }

  /* Rasa's web channel: one POST per message with the session token, replies in the
   * response. A failed POST switches to "offline" and probes the channel's health route
   * with exponential backoff. */
  function webTransport() {
    const webhook = config.rasaUrl + "/webhooks/web/webhook";
    const health = config.rasaUrl + "/webhooks/web/";
    let attempt = 0, timer = null, probing = false;

    async function request(url, options, timeoutMs) {
      const controller = new AbortController();
      const t = setTimeout(() => controller.abort(), timeoutMs);
      try {
        return await fetch(url, Object.assign({ signal: controller.signal, cache: "no-store", credentials: "omit" }, options));
      } finally { clearTimeout(t); }
    }

    function schedule() {
      clearTimeout(timer);
      const base = Math.min(15000, 1000 * Math.pow(2, attempt));
      attempt += 1;
      timer = setTimeout(probe, base * (0.8 + Math.random() * 0.4));
    }

    async function probe() {
      if (probing) return;
      probing = true;
      clearTimeout(timer);
      try {
        const response = await request(health, { method: "GET" }, 8000);
        if (!response.ok) throw new TransientError("HTTP " + response.status);
        attempt = 0;
        setConnection("online");
      } catch (e) {
        if (connection !== "offline") setConnection("offline");
        schedule();
      } finally { probing = false; }
    }

    async function post(message) {
      const token = await sessionToken();
      let response;
      try {
        response = await postJson(webhook, { message: message }, { Authorization: "Bearer " + token }, 60000);
      } catch (e) { throw new TransientError(String(e)); }
      if (response.status === 401) { dropSession(token); throw new SessionEndedError("HTTP 401"); }
      return response;
    }

    return {
      start() { probe(); },
      retryNow() { attempt = 0; probe(); },
      wentOffline() { if (connection !== "offline") { setConnection("offline"); schedule(); } },
      async deliver(message) {
        let response;
        try {
          try {
            response = await post(message);
          } catch (e) {
            if (!(e instanceof SessionEndedError)) throw e;
            response = await post(message); // the token was refused: once more with a new session
          }
        } catch (e) {
          this.wentOffline();
          throw e instanceof TransientError ? e : new TransientError(String(e));
        }
        if (response.status >= 500 || response.status === 429 || response.status === 408) {
          this.wentOffline();
          throw new TransientError("HTTP " + response.status);
        }
        if (!response.ok) throw new PermanentError("HTTP " + response.status);
        const replies = await response.json().catch(() => []);
        const list = Array.isArray(replies) ? replies : [];
        addBotMessages(list);
        for (const raw of list) {
          const marker = raw && raw.custom && raw.custom.handoff;
          if (marker) setHandoff(marker);
        }
      },
    };
  }

  /* ------------------------------------------------------------------ live handoff */

  function onlineText() {
    return state.handoff && state.handoff.state === "live" ? TEXT.withStaff : TEXT.online;
  }

  function setHandoff(marker) {
    if (marker === "live" || marker === "left") {
      const after = state.handoff ? state.handoff.after : null;
      state.handoff = { state: marker, after: after };
    } else {
      state.handoff = null;
    }
    saveState();
    if (connection === "online") statusText.textContent = onlineText();
    if (state.handoff) pollUpdates();
  }

  /* While a person handles the conversation, ask the console for what staff wrote: a long
   * poll (the server answers as soon as a reply is stored, or after 20 s); a question left
   * outside office hours is looked at every minute. Survives reloads (state.handoff). */
  let polling = false;
  async function pollUpdates() {
    if (polling) return;
    polling = true;
    let failures = 0;
    try {
      while (state.handoff) {
        const live = state.handoff.state === "live";
        let result = null;
        try {
          const token = await sessionToken();
          const response = await postJson(config.updatesUrl, { token: token, after: state.handoff.after, wait: live }, null, 30000);
          if (response.status === 401) { dropSession(token); throw new TransientError("401"); }
          if (!response.ok) throw new TransientError("HTTP " + response.status);
          result = await response.json();
          failures = 0;
        } catch (e) {
          failures += 1;
          await sleep(Math.min(30000, 2000 * failures));
          continue;
        }
        if (!state.handoff) break;
        const fresh = (result.messages || []).filter((m) => !state.messages.some((x) => x.eventId === m.id));
        state.handoff.after = typeof result.after === "number" ? result.after : state.handoff.after;
        addBotMessages(fresh.map((m) => Object.assign({}, m, { eventId: m.id })));
        if (result.handoff === "live" || result.handoff === "left") {
          state.handoff.state = result.handoff;
          saveState();
          if (connection === "online") statusText.textContent = onlineText();
          if (result.handoff === "left") await sleep((result.poll_seconds || 60) * 1000);
        } else {
          state.handoff = null;
          saveState();
          if (connection === "online") statusText.textContent = onlineText();
        }
      }
    } finally {
      polling = false;
    }
  }

  function sleep(ms) { return new Promise((resolve) => setTimeout(resolve, ms)); }

  const transport = webTransport();
  let started = false;
  function ensureStarted() {
    if (started) return;
    started = true;
    transport.start();
  }

  /* Outbox: user messages stay "pending" in the history until delivered, in order. */
  let flushing = false;
  async function flush() {
    if (flushing) return;
    flushing = true;
    try {
      while (connection === "online") {
        const m = state.messages.find((x) => x.role === "user" && x.status === "pending");
        if (!m) break;
        setTyping(true);
        const sendingRow = rowFor(m);
        if (sendingRow) updateMeta(sendingRow, m, true);
        try {
          await transport.deliver(m.payload || m.text);
          m.status = "sent";
        } catch (e) {
          if (e instanceof PermanentError) m.status = "failed";
          else break; // the transport is offline now; setConnection("online") flushes again
        } finally {
          saveState();
          const row = rowFor(m);
          if (row) updateMeta(row, m);
        }
      }
    } finally {
      flushing = false;
      setTyping(false);
    }
  }

  function send(display, payload) {
    const text = display.trim();
    if (!text) return;
    ensureStarted();
    replyAnchor = null;
    addMessage({ id: newId("m"), role: "user", text: text, payload: payload && payload !== text ? payload : undefined, ts: Date.now(), status: "pending" });
    if (connection === "online") flush();
  }

  /* ------------------------------------------------------------------ open / close, keyboard */

  const phone = window.matchMedia("(max-width: 480px)");

  function open(focusInput) {
    if (!panel.hidden) return;
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    launcher.setAttribute("aria-label", TEXT.close);
    panel.setAttribute("aria-modal", phone.matches ? "true" : "false");
    unread = 0;
    badge.hidden = true;
    storageSet("sessionStorage", OPEN_KEY, "1");
    ensureStarted();
    scrollToEnd(false);
    if (focusInput !== false) input.focus();
  }

  function close() {
    if (panel.hidden) return;
    const hadFocus = root.activeElement !== null;
    panel.hidden = true;
    launcher.setAttribute("aria-expanded", "false");
    launcher.setAttribute("aria-label", TEXT.open);
    storageRemove("sessionStorage", OPEN_KEY);
    if (hadFocus || phone.matches) launcher.focus();
  }

  launcher.addEventListener("click", () => (panel.hidden ? open() : close()));
  closeBtn.addEventListener("click", close);
  retryBtn.addEventListener("click", () => transport.retryNow());
  newChatBtn.addEventListener("click", () => {
    if (state.messages.length && !window.confirm(TEXT.confirmNewChat)) return;
    state = freshState();
    saveState();
    renderAll();
    input.focus();
  });

  root.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !panel.hidden) {
      event.preventDefault();
      close();
    }
  });

  panel.addEventListener("keydown", (event) => {
    if (event.key === "Tab" && phone.matches) {
      // full-screen on phones: keep Tab inside the panel, the page behind is covered
      const focusables = Array.from(panel.querySelectorAll("button, [href], textarea")).filter((n) => !n.disabled && n.offsetParent !== null);
      const first = focusables[0], last = focusables[focusables.length - 1];
      if (event.shiftKey && root.activeElement === first) { event.preventDefault(); last.focus(); }
      else if (!event.shiftKey && root.activeElement === last) { event.preventDefault(); first.focus(); }
    }
  });

  composer.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value;
    if (!text.trim()) { input.focus(); return; }
    input.value = "";
    autosize();
    send(text);
    input.focus();
  });

  input.addEventListener("keydown", (event) => {
    // Vietnamese IMEs (Telex/VNI) compose with Enter too: never send mid-composition.
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
      event.preventDefault();
      composer.requestSubmit ? composer.requestSubmit() : composer.dispatchEvent(new Event("submit", { cancelable: true }));
    }
  });

  function autosize() {
    input.style.height = "auto";
    input.style.height = Math.min(input.scrollHeight + 2, 120) + "px";
  }
  input.addEventListener("input", autosize);

  phone.addEventListener && phone.addEventListener("change", () => panel.setAttribute("aria-modal", phone.matches && !panel.hidden ? "true" : "false"));

  window.addEventListener("offline", () => transport.wentOffline());
  window.addEventListener("online", () => { if (started) transport.retryNow(); });

  // Another tab of the same site wrote the conversation: show it here too.
  window.addEventListener("storage", (event) => {
    if (event.key !== STORAGE_KEY) return;
    state = loadState();
    renderAll();
  });

  /* ------------------------------------------------------------------ start */

  function mount() {
    document.body.append(host);
    renderAll();
    const hasPending = state.messages.some((m) => m.role === "user" && m.status === "pending");
    if (hasPending) ensureStarted();
    if (state.handoff) { statusText.textContent = onlineText(); pollUpdates(); }
    if (storageGet("sessionStorage", OPEN_KEY) === "1") open(false);
    else if (config.openOnLoad) open(false);
  }

  function findOwnScript() {
    const tags = document.querySelectorAll('script[src*="widget.js"]');
    return tags[tags.length - 1] || null;
  }

  window.__dvcWidget = {
    open: () => open(),
    close: close,
    config: Object.freeze(Object.assign({}, config)),
  };

  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount, { once: true });
})();
