"use strict";
// The live scoreboard: everything comes from the server-sent events of /api/live.
(function () {
  const $ = (id) => document.getElementById(id);
  const NS = "http://www.w3.org/2000/svg";
  const palette = ["#4cc9f0", "#f72585", "#ffd166", "#06d6a0", "#b388ff", "#ff8c42", "#8ecae6", "#e9c46a"];
  const state = {
    robots: new Map(),      // id -> latest
    history: new Map(),     // id -> {battery: [], speed: [], trail: [[x,y]]}
    teams: new Map(),       // team -> color
    robotTeam: new Map(),   // robot id -> team, from the scoreboard
    arena: null,
    bounds: null,
    scoreEvents: [],
    rawEvents: [],
    clock: null,
  };
  const HISTORY = 120, TRAIL = 400;

  function colorOf(team) {
    const key = team || "?";
    if (!state.teams.has(key)) state.teams.set(key, palette[state.teams.size % palette.length]);
    return state.teams.get(key);
  }
  function el(tag, attrs, text) {
    const node = tag.startsWith("svg:") ? document.createElementNS(NS, tag.slice(4)) : document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function fmtClock(seconds) {
    if (seconds == null || !isFinite(seconds)) return "--:--";
    const s = Math.max(0, Math.floor(seconds));
    return String(Math.floor(s / 60)).padStart(2, "0") + ":" + String(s % 60).padStart(2, "0");
  }
  function pct(x) { return (x * 100).toFixed(x >= 0.995 ? 0 : 1) + "%"; }
  function robotLabel(id) {
    const r = state.robots.get(id);
    return r && r.name ? r.name : "#" + id;
  }
  function teamOfRobot(id) {
    const r = state.robots.get(id);
    return (r && r.team) || state.robotTeam.get(id) || null;
  }

  // ---- clock and run ----
  function onClock(c) {
    state.clock = c;
    const run = c.run;
    if (run) {
      $("run").textContent = (run.name || "Run " + run.id) + " · division " + run.division + (run.teams && run.teams.length ? " · " + run.teams.length + " teams" : "");
      $("state").textContent = run.state;
      $("state").className = "state " + run.state;
      const duration = run.durationSeconds;
      $("clock").textContent = fmtClock(c.elapsed) + (duration ? " / " + fmtClock(duration) : "");
    } else {
      $("clock").textContent = fmtClock(null);
    }
  }

  // ---- ranking ----
  function onScoreboard(board) {
    const tbody = document.querySelector("#ranking tbody");
    const rows = board.ranking || [];
    $("norank").style.display = rows.length ? "none" : "";
    const tag = $("provisional");
    tag.textContent = board.provisional ? "provisional" : "final";
    tag.className = board.provisional ? "tag" : "tag final";
    const existing = new Map([...tbody.children].map((tr) => [tr.dataset.team, tr]));
    rows.forEach((row, index) => {
      for (const id of row.robots) state.robotTeam.set(id, row.team);
      let tr = existing.get(row.team);
      if (!tr) {
        tr = el("tr", { "data-team": row.team });
        tr.innerHTML = '<td class="rank"></td><td class="team"><span class="dot"></span><span class="name"></span><span class="sub"></span></td><td class="score"></td><td class="components"><div class="bars"></div></td><td class="data"></td>';
      }
      existing.delete(row.team);
      tr.querySelector(".rank").textContent = row.rank;
      tr.querySelector(".dot").style.background = colorOf(row.team);
      tr.querySelector(".name").textContent = row.team;
      const extras = [];
      if (row.penalties) extras.push("−" + row.penalties.toFixed(0) + " pen");
      if (row.bonuses) extras.push("+" + row.bonuses.toFixed(1) + " bonus");
      if (row.flags) extras.push(row.flags + " flag" + (row.flags > 1 ? "s" : ""));
      tr.querySelector(".sub").textContent = row.robots.length + " robots" + (extras.length ? " · " + extras.join(" · ") : "");
      tr.querySelector(".score").innerHTML = "";
      tr.querySelector(".score").append(row.score.toFixed(1));
      if (row.zeroedByContact) tr.querySelector(".score").append(el("span", { class: "zero" }, "contact: 0"));
      const bars = tr.querySelector(".bars");
      const order = ["Q", "C", "E", "A", "S", "items", "bin"].filter((k) => k in row.components);
      if (bars.childElementCount !== order.length) {
        bars.innerHTML = "";
        for (const k of order) {
          const bar = el("div", { class: "bar", title: k });
          const track = el("div", { class: "track" });
          track.append(el("div", { class: "fill" }));
          bar.append(track, el("span", { class: "label" }, k === "items" ? "I" : k === "bin" ? "B" : k));
          bars.append(bar);
        }
      }
      order.forEach((k, i) => {
        const v = Math.max(0, Math.min(1, row.components[k] || 0));
        const bar = bars.children[i];
        bar.title = k + " " + v.toFixed(3);
        bar.querySelector(".fill").style.height = (v * 100).toFixed(1) + "%";
      });
      const data = tr.querySelector(".data");
      data.textContent = pct(row.completeness);
      data.className = "data" + (row.completeness < 0.9 ? " bad" : row.completeness < 0.99 ? " low" : "");
      if (tbody.children[index] !== tr) tbody.insertBefore(tr, tbody.children[index] || null);
    });
    for (const tr of existing.values()) tr.remove();
    if (board.result && board.result.events) {
      state.scoreEvents = board.result.events;
      renderTicker();
    }
  }

  // ---- map ----
  function viewBox() {
    if (state.arena) return { x: state.arena.originX, y: state.arena.originY, w: state.arena.width, h: state.arena.height };
    if (!state.bounds) return { x: 0, y: 0, w: 40, h: 30 };
    const b = state.bounds, pad = 2;
    return { x: b.minX - pad, y: b.minY - pad, w: Math.max(4, b.maxX - b.minX + 2 * pad), h: Math.max(3, b.maxY - b.minY + 2 * pad) };
  }
  function grow(x, y) {
    if (x == null || y == null) return;
    const b = state.bounds;
    if (!b) { state.bounds = { minX: x, maxX: x, minY: y, maxY: y }; return; }
    b.minX = Math.min(b.minX, x); b.maxX = Math.max(b.maxX, x);
    b.minY = Math.min(b.minY, y); b.maxY = Math.max(b.maxY, y);
  }
  function drawMap() {
    const v = viewBox();
    const svg = $("map");
    svg.setAttribute("viewBox", [v.x, 0, v.w, v.h].map((n) => n.toFixed(2)).join(" "));
    const ground = $("ground");
    ground.setAttribute("x", v.x); ground.setAttribute("width", v.w); ground.setAttribute("height", v.h);
    const sy = (y) => (v.y + v.h - y).toFixed(2); // north up
    const trails = $("trails");
    trails.innerHTML = "";
    if (!state.arena || !state.arena.coverage) {
      for (const [id, h] of state.history) {
        if (h.trail.length < 2) continue;
        const points = h.trail.map(([x, y]) => x.toFixed(2) + "," + sy(y)).join(" ");
        trails.append(el("svg:polyline", { points, fill: "none", stroke: colorOf(teamOfRobot(id)), "stroke-width": "0.35", "stroke-opacity": "0.35", "stroke-linejoin": "round" }));
      }
    }
    const layer = $("robots");
    const seen = new Set();
    for (const [id, r] of state.robots) {
      if (r.x == null || r.y == null) continue;
      seen.add(String(id));
      let g = layer.querySelector('g[data-robot="' + id + '"]');
      if (!g) {
        g = el("svg:g", { "data-robot": id, class: "robot" });
        g.append(el("svg:circle", { r: "0.7", class: "robot" }), el("svg:line", { "stroke-width": "0.25" }), el("svg:text", { "text-anchor": "middle" }));
        layer.append(g);
      }
      const color = colorOf(teamOfRobot(id));
      const cx = r.x, cy = Number(sy(r.y));
      const c = g.querySelector("circle");
      c.setAttribute("cx", cx.toFixed(2)); c.setAttribute("cy", cy.toFixed(2));
      c.setAttribute("fill", color); c.setAttribute("fill-opacity", r.online === false ? "0.4" : "0.95");
      c.setAttribute("stroke", r.kind === "humanoid" ? "#fff" : "#000"); c.setAttribute("stroke-width", "0.15");
      const line = g.querySelector("line"), hd = r.heading || 0;
      line.setAttribute("x1", cx.toFixed(2)); line.setAttribute("y1", cy.toFixed(2));
      line.setAttribute("x2", (cx + Math.cos(hd) * 1.3).toFixed(2)); line.setAttribute("y2", (cy - Math.sin(hd) * 1.3).toFixed(2));
      line.setAttribute("stroke", color);
      const t = g.querySelector("text");
      t.setAttribute("x", cx.toFixed(2)); t.setAttribute("y", (cy - 1.0).toFixed(2));
      t.textContent = r.name || String(id);
    }
    for (const g of [...layer.children]) if (!seen.has(g.dataset.robot)) g.remove();
  }
  function onArena(arena) {
    state.arena = arena;
    const heat = $("heat");
    heat.innerHTML = "";
    const cov = arena.coverage;
    $("maplegend").textContent = cov ? "coverage heatmap" : "robot trails";
    if (cov) {
      const bytes = Array.isArray(cov.cells) ? cov.cells : [];
      const top = arena.originY + arena.height;
      for (let j = 0; j < cov.rows; j++) {
        for (let i = 0; i < cov.columns; i++) {
          const v = bytes[j * cov.columns + i] || 0;
          if (!v) continue;
          heat.append(el("svg:rect", {
            x: (arena.originX + i * cov.cellSize).toFixed(2), y: (top - (j + 1) * cov.cellSize).toFixed(2),
            width: cov.cellSize, height: cov.cellSize, fill: "#5be38a", "fill-opacity": (0.1 + 0.6 * v / 255).toFixed(2),
          }));
        }
      }
    }
    drawMap();
  }

  // ---- robots and sparklines ----
  function spark(values, cls, lo, hi) {
    const svg = el("svg:svg", { viewBox: "0 0 100 20", preserveAspectRatio: "none" });
    if (values.length > 1) {
      const span = hi - lo || 1;
      const pts = values.map((v, i) => (i * 100 / (HISTORY - 1)).toFixed(1) + "," + (19 - 18 * (Math.max(lo, Math.min(hi, v)) - lo) / span).toFixed(1)).join(" ");
      svg.append(el("svg:polyline", { points: pts, class: cls }));
    }
    return svg;
  }
  function onRobots(msg) {
    for (const r of msg.robots) {
      state.robots.set(r.robot, r);
      let h = state.history.get(r.robot);
      if (!h) { h = { battery: [], speed: [], trail: [], time: 0 }; state.history.set(r.robot, h); }
      if (r.time !== h.time) {
        h.time = r.time;
        if (r.battery != null) h.battery.push(r.battery);
        if (r.speed != null) h.speed.push(Math.abs(r.speed));
        if (r.x != null && r.y != null) { h.trail.push([r.x, r.y]); grow(r.x, r.y); }
        if (h.battery.length > HISTORY) h.battery.shift();
        if (h.speed.length > HISTORY) h.speed.shift();
        if (h.trail.length > TRAIL) h.trail.shift();
      }
    }
    drawMap();
    renderFleet();
  }
  function renderFleet() {
    const box = $("fleet");
    const ids = [...state.robots.keys()].sort((a, b) => a - b);
    box.innerHTML = "";
    for (const id of ids) {
      const r = state.robots.get(id), h = state.history.get(id);
      const card = el("div", { class: "card" + (r.online === false ? " offline" : ""), "data-robot": id });
      const head = el("div", { class: "head" });
      head.append(el("span", {}, robotLabel(id)), el("span", { style: "color:" + colorOf(teamOfRobot(id)) }, teamOfRobot(id) || ""));
      const meta = el("div", { class: "meta" });
      meta.append(el("span", {}, r.kind + (r.status ? " · " + r.status : "")), el("span", {}, r.mode || ""));
      const vals = el("div", { class: "vals" });
      vals.append(el("span", {}, r.battery != null ? "battery " + r.battery.toFixed(0) + "%" : ""), el("span", {}, r.speed != null ? Math.abs(r.speed).toFixed(2) + " m/s" : ""));
      card.append(head, meta, spark(h.battery, "spark-battery", 0, 100), spark(h.speed, "spark-speed", 0, Math.max(1.5, ...h.speed)), vals);
      box.append(card);
    }
  }

  // ---- ticker ----
  const rawNames = {
    collision: ["collision", "bad"], contact: ["contact", "bad"], fall: ["fall", "bad"], fall_observed: ["fall (referee)", "bad"],
    near_miss: ["near miss", "warn"], near_miss_observed: ["near miss (referee)", "warn"], geofence_exit: ["geofence exit", "warn"],
    spray_violation: ["spray in a pedestrian zone", "warn"], intervention: ["intervention", "warn"], intervention_start: ["intervention", "warn"],
    fault: ["fault", "warn"], litter_spilled: ["hopper overflow", "warn"], get_up: ["got up", "good"], run_state: ["run state", "good"],
  };
  const scoreNames = {
    staticContact: "static contact", nearMiss: "near miss", geofenceExit: "geofence exit", overSpeed: "over speed",
    seriousContact: "serious contact: run scores 0", disqualified: "disqualified", noProgress: "no progress −5", overflow: "hopper overflow",
    spray: "spray penalty", intervention: "intervention", fall: "fall", runEnded: "run ended (3rd fall)", dumpAndDock: "dump & dock bonus",
    ramp: "ramp bonus", refereeAward: "referee award", binDelivered: "bin delivered", unaidedGetUp: "got up unaided",
  };
  function onEvents(msg) { state.rawEvents = msg.events || []; renderTicker(); }
  function runSeconds(time) {
    const run = state.clock && state.clock.run;
    if (run && run.runningStart) return fmtClock((time - run.runningStart) / 1e9);
    return new Date(time / 1e6).toISOString().slice(11, 19);
  }
  function renderTicker() {
    const items = [];
    for (const e of state.rawEvents) {
      const [what, cls] = rawNames[e.type] || [e.type.replace(/_/g, " "), ""];
      let detail = "";
      if (e.fields && e.fields.kind) detail = " · " + String(e.fields.kind).replace(/_/g, " ");
      else if (e.fields && e.fields.class) detail = " · " + String(e.fields.class).replace(/_/g, " ");
      items.push({ time: e.time, who: robotLabel(e.robot), what: what + detail, cls, key: "r" + e.id });
    }
    for (const s of state.scoreEvents) {
      if (!(s.criterion in scoreNames)) continue;
      const bad = ["seriousContact", "disqualified", "noProgress", "overflow", "spray", "staticContact", "fall", "runEnded"].includes(s.criterion);
      const good = ["dumpAndDock", "ramp", "refereeAward", "binDelivered", "unaidedGetUp"].includes(s.criterion);
      items.push({ time: s.time, who: s.team + " " + robotLabel(s.robot), what: scoreNames[s.criterion] + " → " + s.score.toFixed(1), cls: bad ? "bad" : good ? "good" : "warn", key: "s" + s.time + s.robot + s.criterion });
    }
    items.sort((a, b) => b.time - a.time);
    const list = $("ticker");
    list.innerHTML = "";
    for (const it of items.slice(0, 14)) {
      const li = el("li", { class: it.cls, "data-key": it.key });
      li.append(el("span", { class: "t" }, runSeconds(it.time)), el("span", { class: "who" }, it.who), el("span", { class: "what" }, it.what));
      list.append(li);
    }
    if (!items.length) list.append(el("li", { class: "empty" }, "No penalties, contacts or falls yet."));
  }

  // ---- feed ----
  function handler(fn) {
    return (event) => { try { fn(JSON.parse(event.data)); } catch (err) { console.error(err); } };
  }
  function connect() {
    const source = new EventSource("/api/live");
    source.onopen = () => $("conn").classList.add("up");
    source.onerror = () => $("conn").classList.remove("up");
    source.addEventListener("clock", handler(onClock));
    source.addEventListener("robots", handler(onRobots));
    source.addEventListener("scoreboard", handler(onScoreboard));
    source.addEventListener("arena", handler(onArena));
    source.addEventListener("events", handler(onEvents));
  }
  // The server puts each topic's current value in the page, so the first paint has data.
  const initial = window.BOARD_INITIAL || {};
  // The recent past of each robot's sparklines, from the stored 1 s rollups, so a
  // board opened mid-run (or after it) shows trends at once.
  for (const [id, past] of Object.entries(initial.history || {})) {
    state.history.set(Number(id), { battery: past.battery || [], speed: past.speed || [], trail: [], time: 0 });
  }
  for (const [topic, fn] of [["clock", onClock], ["robots", onRobots], ["scoreboard", onScoreboard], ["arena", onArena], ["events", onEvents]]) {
    if (initial[topic]) { try { fn(initial[topic]); } catch (err) { console.error(err); } }
  }
  renderTicker();
  connect();
})();
