// Operator console: the live queue (/console/) and one conversation (/console/handoffs/<id>).
// The server renders each page complete; this keeps it live by polling the JSON API. Customer
// text reaches the page only through textContent and setAttribute, never as HTML.
(function () {
  "use strict";

  const API = "/console/api/handoffs";
  const QUEUE_POLL_MS = 2000;
  const HANDOFF_POLL_MS = 1000;
  const STATUSES = ["waiting", "claimed", "closed"];
  const SENDERS = ["customer", "bot", "operator"];
  const DONE = { claim: "対応を開始しました。", handback: "ボットに戻しました。", close: "完了にしました。" };
  const TITLE = "オペレーターコンソール";
  const CONNECTION_LOST = "サーバーに接続できません。再接続を試みています…";
  const NOT_SENT = "接続できませんでした。もう一度お試しください。";

  const holder = document.getElementById("console-data");
  const data = holder ? JSON.parse(holder.textContent) : {};
  const labels = data.labels || { reasons: {}, statuses: {} };
  const statusArea = document.getElementById("console-status");
  let troubled = false;

  // --- DOM -------------------------------------------------------------------------------

  // A new element. attrs go through setAttribute ("text" is textContent, "className" the
  // class); children are nodes or strings (as text); null and undefined are skipped.
  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([name, value]) => {
      if (value === null || value === undefined) return;
      if (name === "text") node.textContent = String(value);
      else if (name === "className") node.className = value;
      else node.setAttribute(name, String(value));
    });
    (children || []).forEach((child) => {
      if (child === null || child === undefined) return;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function label(group, code) {
    if (code === null || code === undefined || code === "") return "—";
    const table = labels[group] || {};
    return Object.prototype.hasOwnProperty.call(table, code) ? table[code] : String(code);
  }

  function statusBadge(status) {
    const known = STATUSES.includes(status) ? status : "closed";
    return el("span", { className: `status status-${known}`, text: label("statuses", status) });
  }

  function verifiedBadge(verified) {
    const [kind, text] = verified ? ["verified", "確認済み"] : ["unverified", "未確認"];
    return el("span", { className: `badge badge-${kind}`, text });
  }

  // A task the shop got wrong (damaged, wrong, missing) is marked 優先.
  function priorityBadge(priority) {
    return priority === "high" ? [" ", el("span", { className: "badge badge-priority", text: "優先" })] : [];
  }

  function fact(term, value) {
    return el("div", {}, [el("dt", { text: term }), el("dd", {}, [].concat(value))]);
  }

  function say(text, isError) {
    if (!statusArea) return;
    statusArea.textContent = text || "";
    statusArea.classList.toggle("is-error", Boolean(isError));
  }

  // A polling problem (text) stays on screen until a poll succeeds again (trouble(null)).
  function trouble(text) {
    if (text || troubled) say(text, true);
    troubled = Boolean(text);
  }

  // --- Times -----------------------------------------------------------------------------
  // The server writes times in the shop's zone (…+09:00). They are shown as written, and
  // "today" is today at that offset, whatever the zone of the operator's computer.

  const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}))?/;

  function todayAt(iso) {
    const zone = /(?:Z|([+-])(\d{2}):?(\d{2}))$/.exec(iso);
    const now = new Date();
    if (!zone) return new Date(now.getTime() - now.getTimezoneOffset() * 60000).toISOString().slice(0, 10);
    const minutes = zone[1] ? (zone[1] === "-" ? -1 : 1) * (zone[2] * 60 + Number(zone[3])) : 0;
    return new Date(now.getTime() + minutes * 60000).toISOString().slice(0, 10);
  }

  // "clock": 14:05 today, 11/24 14:05 other days; "datetime": 2026/11/24 14:05; "date".
  function formatTime(iso, format) {
    const match = ISO.exec(iso || "");
    if (!match) return iso || "—";
    const [, year, month, day, hour, minute] = match;
    const date = `${Number(month)}/${Number(day)}`;
    const clock = hour ? `${hour}:${minute}` : "";
    if (format === "date") return `${year}/${date}`;
    if (format === "datetime") return `${year}/${date} ${clock}`.trim();
    if (clock && `${year}-${month}-${day}` === todayAt(iso)) return clock;
    return `${date} ${clock}`.trim();
  }

  function timeNode(iso, format) {
    if (!iso) return "—";
    const kind = format || "clock";
    return el("time", { datetime: iso, "data-format": kind, text: formatTime(iso, kind) });
  }

  function formatTimes() {
    document.querySelectorAll("time[data-format]").forEach((node) => {
      node.textContent = formatTime(node.getAttribute("datetime"), node.dataset.format);
    });
  }

  // Seconds waited: the server's figure, plus the time since it was fetched while waiting.
  function waitSeconds(handoff, fetchedAt) {
    if (typeof handoff.wait_seconds === "number") {
      return handoff.wait_seconds + (handoff.status === "waiting" ? (Date.now() - fetchedAt) / 1000 : 0);
    }
    const start = Date.parse(handoff.created_at);
    const end = Date.parse(handoff.claimed_at || handoff.closed_at || "") || Date.now();
    return Number.isNaN(start) ? null : Math.max(0, (end - start) / 1000);
  }

  function formatWait(seconds) {
    if (seconds === null || Number.isNaN(seconds)) return "—";
    const minutes = Math.floor(seconds / 60);
    const hours = Math.floor(minutes / 60);
    if (minutes < 1) return "1分未満";
    if (minutes < 60) return `${minutes}分`;
    if (hours < 24) return minutes % 60 ? `${hours}時間${minutes % 60}分` : `${hours}時間`;
    return `${Math.floor(hours / 24)}日${hours % 24}時間`;
  }

  // --- API -------------------------------------------------------------------------------

  // GET path, or POST body as JSON with the CSRF token; resolves to {status, ok, data}.
  // On 401 it goes to the login page and never resolves, so nothing after it runs.
  async function api(path, body) {
    const options = { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } };
    if (body !== undefined) {
      const meta = document.querySelector('meta[name="csrf-token"]');
      options.method = "POST";
      options.headers["Content-Type"] = "application/json";
      options.headers["X-CSRF-Token"] = meta ? meta.content : "";
      options.body = JSON.stringify(body);
    }
    const response = await fetch(path, options);
    if (response.status === 401) {
      window.location.assign("/console/login");
      return new Promise(() => {});
    }
    const payload = await response.json().catch(() => null);
    return { status: response.status, ok: response.ok, data: payload };
  }

  function errorText(result) {
    const message = result.data && result.data.message;
    return typeof message === "string" && message ? message : `処理できませんでした（エラー ${result.status}）。`;
  }

  // Runs task now, and again ms after each run ends, so slow answers never pile up.
  function every(ms, task) {
    const run = () => task().catch((error) => console.error(error)).then(() => window.setTimeout(run, ms));
    run();
  }

  // --- The queue -------------------------------------------------------------------------

  function startQueue() {
    const body = document.getElementById("queue-body");
    const filters = document.getElementById("queue-filters");
    const fromHash = window.location.hash.slice(1);
    let filter = ["waiting", "claimed", "closed"].includes(fromHash) ? fromHash : "all";
    let handoffs = data.handoffs || [];
    let fetchedAt = Date.now();
    let shownKey = "";
    const known = new Set(handoffs.map((h) => h.id));

    // Open handoffs oldest first (the API's order), then closed ones newest first.
    function visible() {
      const open = handoffs.filter((h) => h.status !== "closed");
      const closed = handoffs.filter((h) => h.status === "closed").reverse();
      return open.concat(closed).filter((h) => filter === "all" || h.status === filter);
    }

    function row(h) {
      const message = h.customer_message || "";
      const claim = h.status !== "waiting" ? null : el("button", {
        type: "button", className: "button button-primary button-small",
        "data-claim": h.id, "data-focus-key": `claim-${h.id}`, text: "対応する",
      });
      const link = el("a", {
        href: `/console/handoffs/${encodeURIComponent(h.id)}`, "data-focus-key": `link-${h.id}`, text: `#${h.id}`,
      });
      // A row not seen before is new: CSS highlights it once.
      return el("tr", { "data-id": h.id, className: known.has(h.id) ? null : "is-new" }, [
        el("td", {}, [link]),
        el("td", {}, [statusBadge(h.status)]),
        el("td", {}, [label("reasons", h.reason)].concat(priorityBadge(h.priority))),
        el("td", { className: "col-wait" }),
        el("td", { className: "col-order" }, h.order_id ? [h.order_id, " ", verifiedBadge(h.verified)] : ["—"]),
        el("td", {
          className: "col-message", title: message || null,
          text: message ? message.slice(0, 80) + (message.length > 80 ? "…" : "") : "—",
        }),
        el("td", { text: h.operator || "—" }),
        el("td", {}, [timeNode(h.created_at)]),
        el("td", {}, [claim]),
      ]);
    }

    // Rebuilds the rows only when what they show changed, and keeps the keyboard focus.
    function render() {
      const rows = visible();
      const key = filter + JSON.stringify(rows, (name, value) => (name === "wait_seconds" ? undefined : value));
      if (key !== shownKey) {
        shownKey = key;
        const active = body.contains(document.activeElement) ? document.activeElement.dataset.focusKey : null;
        const fragment = document.createDocumentFragment();
        rows.forEach((h) => fragment.appendChild(row(h)));
        body.replaceChildren(fragment);
        rows.forEach((h) => known.add(h.id));
        document.getElementById("queue-empty").hidden = rows.length > 0;
        const again = Array.from(body.querySelectorAll("[data-focus-key]")).find((n) => n.dataset.focusKey === active);
        if (again) again.focus();
      }
      updateWaits();
      filters.querySelectorAll("[data-filter]").forEach((button) => {
        button.setAttribute("aria-pressed", String(button.dataset.filter === filter));
      });
      filters.querySelectorAll("[data-count]").forEach((count) => {
        count.textContent = String(handoffs.filter((h) => h.status === count.dataset.count).length);
      });
      const waiting = handoffs.filter((h) => h.status === "waiting").length;
      document.title = `${waiting ? `(${waiting}) 対応待ち` : "キュー"} — ${TITLE}`;
    }

    function updateWaits() {
      const byId = new Map(handoffs.map((h) => [String(h.id), h]));
      body.querySelectorAll("tr[data-id]").forEach((tr) => {
        const handoff = byId.get(tr.dataset.id);
        if (handoff) tr.querySelector(".col-wait").textContent = formatWait(waitSeconds(handoff, fetchedAt));
      });
    }

    async function refresh() {
      try {
        const result = await api(API);
        if (!result.ok || !Array.isArray(result.data)) return trouble(errorText(result));
        trouble(null);
        handoffs = result.data;
        fetchedAt = Date.now();
        render();
      } catch (error) {
        trouble(CONNECTION_LOST);
      }
    }

    async function claim(button) {
      const id = encodeURIComponent(button.dataset.claim);
      button.disabled = true;
      try {
        const result = await api(`${API}/${id}/claim`, {});
        if (result.ok) return window.location.assign(`/console/handoffs/${id}`);
        say(result.status === 409 ? "ほかのオペレーターが対応中です" : errorText(result), true);
      } catch (error) {
        say(NOT_SENT, true);
      }
      button.disabled = false;
      await refresh();
    }

    filters.hidden = false;
    filters.addEventListener("click", (event) => {
      const button = event.target.closest("[data-filter]");
      if (!button) return;
      filter = button.dataset.filter;
      window.history.replaceState(null, "", filter === "all" ? window.location.pathname : `#${filter}`);
      render();
    });
    body.addEventListener("click", (event) => {
      const button = event.target.closest("[data-claim]");
      if (button) claim(button);
    });
    render();
    every(QUEUE_POLL_MS, refresh);
    window.setInterval(updateWaits, 1000);
  }

  // --- One conversation ------------------------------------------------------------------

  function startHandoff() {
    const base = `${API}/${encodeURIComponent(document.body.dataset.handoffId)}`;
    const byId = (id) => document.getElementById(id);
    const [scroller, list, actions, replyBox, sendButton, hint] =
      ["transcript", "transcript-list", "handoff-actions", "reply-text", "reply-send", "reply-hint"].map(byId);
    const cannedButtons = Array.from(document.querySelectorAll("[data-canned]"));
    const shown = {};
    let handoff = data.handoff;
    let fetchedAt = Date.now();
    let requested = 0; // answers can arrive out of order: only the newest one is shown
    let applied = 0;
    let sending = false;
    let busy = false;

    const mine = () => handoff.status === "claimed" && handoff.operator === data.operator;

    // Whether part's value differs from what it last showed (and remember it).
    function changed(part, value) {
      const key = JSON.stringify(value);
      if (shown[part] === key) return false;
      shown[part] = key;
      return true;
    }

    function apply(next) {
      handoff = next;
      fetchedAt = Date.now();
      syncTranscript(next.transcript || []);
      if (changed("actions", [next.status, next.operator, next.resolution])) renderActions();
      if (changed("summary", Object.assign({}, next, { transcript: 0, order: 0, wait_seconds: 0 }))) renderSummary();
      if (changed("order", [next.order, next.order_id])) renderOrder();
      updateReply();
      updateWait();
      document.title = `#${handoff.id} ${label("statuses", handoff.status)} — ${TITLE}`;
    }

    function bubble(entry) {
      const sender = SENDERS.includes(entry.sender) ? entry.sender : "bot";
      const who = { customer: "お客様", bot: "ボット", operator: `担当: ${entry.operator || "—"}` }[sender];
      return el("li", { className: `bubble from-${sender}` }, [
        el("p", { className: "bubble-meta" }, [el("span", { className: "bubble-who", text: who }), " ", timeNode(entry.at)]),
        el("p", { className: "bubble-text", text: entry.text || "" }),
      ]);
    }

    // Appends the entries after those shown; stays at the bottom if the operator was there.
    function syncTranscript(entries) {
      if (entries.length === list.children.length) return;
      const atBottom = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 40;
      if (entries.length < list.children.length) list.replaceChildren();
      const fragment = document.createDocumentFragment();
      entries.slice(list.children.length).forEach((entry) => fragment.appendChild(bubble(entry)));
      list.appendChild(fragment);
      if (atBottom) scroller.scrollTop = scroller.scrollHeight;
    }

    function renderActions() {
      const button = (action, text, primary) => el("button", {
        type: "button", className: primary ? "button button-primary" : "button", "data-action": action, text,
      });
      const note = (text) => [el("p", { className: "action-note", text })];
      const closedNote = handoff.resolution === "handback" ? "この対応は完了しています（ボットに戻しました）" : "この対応は完了しています";
      let items;
      if (handoff.status === "waiting") items = [button("claim", "対応する", true)];
      else if (mine()) items = [button("handback", "ボットに戻す"), button("close", "完了にする", true)];
      else if (handoff.status === "claimed") items = note(`${handoff.operator || "ほかのオペレーター"} さんが対応中です`);
      else items = note(closedNote);
      actions.replaceChildren(...items);
      byId("handoff-status").replaceWith(Object.assign(statusBadge(handoff.status), { id: "handoff-status" }));
    }

    function renderSummary() {
      const h = handoff;
      byId("summary").replaceChildren(
        fact("受付番号", `#${h.id}`),
        fact("状態", label("statuses", h.status)),
        fact("理由", [label("reasons", h.reason)].concat(priorityBadge(h.priority))),
        fact("依頼内容", el("span", { className: "details-text", text: h.details || "—" })),
        fact("受付時刻", timeNode(h.created_at)),
        fact("待ち時間", el("span", { id: "summary-wait" })),
        fact("担当者", h.operator || "—"),
        fact("ご注文番号", h.order_id ? [h.order_id, " ", verifiedBadge(h.verified)] : "—"),
        fact("直近のメッセージ", el("span", { className: "message-text", text: h.customer_message || "—" })),
      );
    }

    // The order card; without an order (not verified) only a note that details are withheld.
    function renderOrder() {
      const order = handoff.order;
      byId("order-card").hidden = !order && !handoff.order_id;
      if (!order) {
        const notice = el("p", { className: "notice", text: "ご本人確認が済んでいないため、注文の詳細は表示されません" });
        byId("order-body").replaceChildren(...(handoff.order_id ? [notice] : []));
        return;
      }
      const facts = (rows) => el("dl", { className: "facts" }, rows);
      const section = (title, content, missing) => [el("h3", { text: title }), content || el("p", { className: "muted", text: missing })];
      const yen = (price) => (typeof price === "number" ? `¥${price.toLocaleString("ja-JP")}` : "—");
      const { payment: pay, shipment: ship, delay, shipping_address: address, customer } = order;
      const items = (order.items || []).map((item) => el("li", {}, [
        el("span", { className: "item-name", text: `${item.name} × ${item.quantity}` }), " ",
        el("span", { className: "item-price", text: yen(item.price) }),
      ]));
      const history = (order.status_history || []).map((change) => el("li", {}, [
        timeNode(change.at || change.changed_at, "datetime"), " ", label("order_statuses", change.status),
      ]));
      byId("order-body").replaceChildren(
        facts([
          fact("ご注文番号", order.order_id),
          fact("状態", label("order_statuses", order.status)),
          fact("ご注文日時", timeNode(order.placed_at, "datetime")),
          customer && customer.name ? fact("お名前", `${customer.name} 様`) : null,
        ]),
        ...section("商品", el("ul", { className: "items" }, items.length ? items : [el("li", { text: "—" })])),
        ...section("お支払い", pay && facts([
          fact("方法", label("payment_methods", pay.method)),
          fact("状態", label("payment_statuses", pay.status)),
          fact("支払日時", timeNode(pay.paid_at, "datetime")),
        ]), "お支払いの記録はありません。"),
        ...section("配送", ship && facts([
          fact("配送業者", label("carriers", ship.carrier)),
          fact("お問い合わせ番号", ship.tracking_number || "—"),
          fact("発送日時", timeNode(ship.shipped_at, "datetime")),
          fact("お届け予定", timeNode(ship.estimated_delivery, "date")),
          ship.delivered_at ? fact("お届け日時", timeNode(ship.delivered_at, "datetime")) : null,
        ]), "発送の記録はまだありません。"),
        ...(delay ? [el("p", { className: "delay" }, [`遅延: ${delay.reason || "理由の記録なし"}`].concat(
          delay.new_estimate ? ["（新しいお届け予定 ", timeNode(delay.new_estimate, "date"), "）"] : []))] : []),
        ...section("お届け先", address && el("p", { className: "address" }, [
          `〒${address.postal_code || ""}`, el("br"),
          `${address.prefecture || ""}${address.city || ""}${address.line1 || ""}`,
          address.line2 ? el("br") : null, address.line2 || null,
        ]), "お届け先の記録はありません。"),
        ...(history.length ? section("状態の履歴", el("ol", { className: "history" }, history)) : []),
      );
    }

    function updateReply() {
      const open = mine();
      replyBox.disabled = !open;
      sendButton.disabled = !open || sending;
      cannedButtons.forEach((button) => { button.disabled = !open; });
      hint.textContent = open ? "Ctrl+Enter でも送信できます。" : {
        waiting: "「対応する」を押すと返信できます。",
        claimed: `${handoff.operator || "ほかのオペレーター"} さんが対応中のため返信できません。`,
      }[handoff.status] || "この対応は完了しているため返信できません。";
    }

    function updateWait() {
      byId("summary-wait").textContent = formatWait(waitSeconds(handoff, fetchedAt));
    }

    async function refresh() {
      const ticket = ++requested;
      try {
        const result = await api(base);
        if (ticket < applied) return;
        if (!result.ok || !result.data) return trouble(errorText(result));
        applied = ticket;
        trouble(null);
        apply(result.data);
      } catch (error) {
        trouble(CONNECTION_LOST);
      }
    }

    async function act(action) {
      if (busy || !Object.prototype.hasOwnProperty.call(DONE, action)) return;
      busy = true;
      actions.querySelectorAll("button").forEach((button) => { button.disabled = true; });
      try {
        const result = await api(`${base}/${action}`, {});
        if (result.ok && result.data) {
          applied = ++requested;
          // The answer may leave out transcript and order: the ones shown stay.
          apply(Object.assign({}, handoff, result.data.handoff || result.data));
          say(DONE[action]);
          (mine() ? replyBox : byId("handoff-heading")).focus();
        } else {
          say(result.status === 409 ? "ほかのオペレーターが対応中か、すでに完了しています" : errorText(result), true);
        }
      } catch (error) {
        say(NOT_SENT, true);
      }
      busy = false;
      actions.querySelectorAll("button").forEach((button) => { button.disabled = false; });
      await refresh();
    }

    // The typed text leaves the box only once the server has accepted it.
    async function sendReply() {
      const text = replyBox.value.trim();
      if (sending || !mine()) return;
      if (!text) return say("返信の文を入力してください。", true);
      sending = true;
      updateReply();
      try {
        const result = await api(`${base}/reply`, { text });
        if (result.ok) {
          replyBox.value = "";
          say("");
          await refresh();
          scroller.scrollTop = scroller.scrollHeight;
        } else {
          say(errorText(result), true);
        }
      } catch (error) {
        say("送信できませんでした。入力した文は残っています。接続を確かめてもう一度お試しください。", true);
      }
      sending = false;
      updateReply();
      replyBox.focus();
    }

    actions.addEventListener("click", (event) => {
      const button = event.target.closest("[data-action]");
      if (button) act(button.dataset.action);
    });
    sendButton.addEventListener("click", sendReply);
    replyBox.addEventListener("keydown", (event) => {
      // isComposing: an Enter that confirms a Japanese IME conversion is not a send.
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && !event.isComposing) {
        event.preventDefault();
        sendReply();
      }
    });
    cannedButtons.forEach((button) => button.addEventListener("click", () => {
      if (replyBox.disabled) return;
      replyBox.setRangeText(button.dataset.canned, replyBox.selectionStart, replyBox.selectionEnd, "end");
      replyBox.focus();
    }));
    apply(handoff);
    scroller.scrollTop = scroller.scrollHeight;
    every(HANDOFF_POLL_MS, refresh);
    window.setInterval(updateWait, 1000);
  }

  formatTimes();
  window.setInterval(formatTimes, 60000); // "today" moves on at midnight
  if (document.body.dataset.page === "queue") startQueue();
  else if (document.body.dataset.page === "handoff") startHandoff();
})();
