// Staff inbox: the queue and a conversation update live through server-sent events
// (/console/inbox/events). Vanilla JS, no external script; text is inserted as text only.
(function () {
  "use strict";
  var CHANNELS = { web: "Web (widget)", telegram: "Telegram", zalo: "Zalo", rest: "REST (nội bộ)" };
  var status = document.querySelector("[data-live-status]");
  var baseTitle = document.title;

  function say(text) { if (status) status.textContent = text; }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function waitedText(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    if (seconds < 60) return seconds + " giây";
    var minutes = Math.floor(seconds / 60);
    if (minutes < 60) return minutes + " phút";
    return Math.floor(minutes / 60) + " giờ " + (minutes % 60) + " phút";
  }

  function connect(url, handlers) {
    if (!window.EventSource) { say("Trình duyệt không hỗ trợ cập nhật trực tiếp: hãy tải lại trang để xem mới."); return; }
    var source = new EventSource(url);
    source.onopen = function () { say("Đang cập nhật trực tiếp."); };
    source.onerror = function () { say("Mất kết nối cập nhật trực tiếp, đang thử lại…"); };
    source.addEventListener("signed-out", function () { source.close(); window.location.reload(); });
    Object.keys(handlers).forEach(function (name) {
      source.addEventListener(name, function (event) {
        var data = null;
        try { data = JSON.parse(event.data); } catch (e) { return; }
        handlers[name](data);
      });
    });
    window.addEventListener("beforeunload", function () { source.close(); });
  }

  /* ---------------------------------------------------------------- the queue */
  var rows = document.querySelector("[data-queue-rows]");
  if (rows) {
    var offset = 0; // server clock minus browser clock, seconds
    var initial = document.getElementById("inbox-queue");

    function tick() {
      var now = Date.now() / 1000 + offset;
      rows.querySelectorAll("[data-created]").forEach(function (node) {
        node.textContent = waitedText(now - Number(node.getAttribute("data-created")));
      });
    }

    function render(snapshot) {
      offset = snapshot.now - Date.now() / 1000;
      var items = snapshot.items || [];
      var fresh = document.createDocumentFragment();
      var waiting = 0;
      items.forEach(function (item) {
        if (item.status === "waiting") waiting += 1;
        var tr = el("tr", { "data-handoff": item.id, "data-status": item.status });
        if (item.mine) tr.className = "mine";
        var waited = el("td");
        waited.append(el("span", { class: "waited", "data-created": item.created }, waitedText(item.waited_seconds)));
        tr.append(waited, el("td", {}, CHANNELS[item.channel] || item.channel));
        var state = el("td");
        state.append(el("span", { class: "badge" + (item.status === "waiting" ? " badge-draft" : "") }, item.status_label));
        if (item.claimed_by) state.append(" ", el("span", { class: "small muted" }, item.claimed_by));
        tr.append(state, el("td", { class: "preview" }, item.preview || "—"));
        tr.append(el("td", { class: "small" }, item.procedure || item.faq_id || "—"), el("td", { class: "small" }, item.agency));
        var open = el("td");
        open.append(el("a", { class: "button button-small", href: "/console/inbox/" + item.id }, "Mở"));
        tr.append(open);
        fresh.append(tr);
      });
      if (!items.length) {
        var empty = el("tr", { class: "empty-row" });
        empty.append(el("td", { colspan: "7", class: "muted" }, "Không có ai đang chờ."));
        fresh.append(empty);
      }
      rows.replaceChildren(fresh);
      document.title = (waiting ? "(" + waiting + ") " : "") + baseTitle;
    }

    if (initial) { try { render(JSON.parse(initial.textContent)); } catch (e) { /* keep the server's rows */ } }
    setInterval(tick, 1000);
    connect("/console/inbox/events", { queue: render });
  }

  /* ---------------------------------------------------------------- one conversation */
  var live = document.querySelector("[data-live]");
  if (live) {
    var id = live.getAttribute("data-handoff");
    var status0 = live.getAttribute("data-status");
    var claimed0 = live.getAttribute("data-claimed-by") || null;
    var first = true, loading = false, again = false;

    function refresh() {
      if (loading) { again = true; return; }
      loading = true;
      fetch("/console/inbox/" + id + "/live", { credentials: "same-origin", cache: "no-store" })
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) {
          if (html === null) return;
          var doc = new DOMParser().parseFromString(html, "text/html");
          live.replaceChildren.apply(live, Array.prototype.slice.call(doc.body.childNodes));
          var transcript = live.querySelector(".inbox-transcript");
          if (transcript) transcript.scrollTop = transcript.scrollHeight;
        })
        .catch(function () { /* the next change tries again */ })
        .finally(function () { loading = false; if (again) { again = false; refresh(); } });
    }

    connect("/console/inbox/events?handoff=" + encodeURIComponent(id), {
      changed: function (data) {
        if (first) { first = false; return; }
        refresh();
        if (data.status !== status0 || (data.claimed_by || null) !== claimed0) {
          var box = document.getElementById("reply-text");
          if (!box || !box.value.trim()) { window.location.reload(); return; }
          say("Trạng thái hội thoại đã thay đổi (" + (data.claimed_by || data.status) + "). Tải lại trang trước khi gửi.");
        }
      },
    });
    var transcript = live.querySelector(".inbox-transcript");
    if (transcript) transcript.scrollTop = transcript.scrollHeight;
  }
})();
