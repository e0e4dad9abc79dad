/// The web scoreboard, embedded so the binary serves it with nothing else on disk and
/// nothing from the internet. Edit the text here; `BoardAssets.response` serves it.
enum BoardAssetText {
    static let html = #"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="color-scheme" content="dark">
        <title>Fleet scoreboard</title>
        <link rel="stylesheet" href="/board.css">
        </head>
        <body>
        <header>
          <div class="title">
            <h1>Sanitation Robot Challenge</h1>
            <div id="run" class="run">waiting for a run…</div>
          </div>
          <div class="clockbox">
            <span id="state" class="state">—</span>
            <span id="clock" class="clock">--:--</span>
            <span id="conn" class="conn" title="live feed"></span>
          </div>
        </header>
        <main>
          <section class="panel ranking">
            <h2>Ranking <span id="provisional" class="tag">provisional</span></h2>
            <table id="ranking">
              <thead><tr><th class="rank">#</th><th>Team</th><th class="num">Score</th><th class="components">Components</th><th class="num">Data</th></tr></thead>
              <tbody></tbody>
            </table>
            <p id="norank" class="empty">Waiting for scores…</p>
          </section>
          <section class="panel map">
            <h2>Arena <span id="maplegend" class="legend">robot trails</span></h2>
            <svg id="map" viewBox="0 0 40 30" preserveAspectRatio="xMidYMid meet" role="img" aria-label="arena map">
              <rect id="ground" x="0" y="0" width="40" height="30"></rect>
              <g id="heat"></g><g id="trails"></g><g id="robots"></g>
            </svg>
          </section>
          <section class="panel fleet">
            <h2>Robots <span class="legend"><i class="swatch battery"></i>battery <i class="swatch speed"></i>speed</span></h2>
            <div id="fleet" class="cards"></div>
          </section>
          <section class="panel ticker">
            <h2>Events</h2>
            <ol id="ticker"></ol>
          </section>
        </main>
        <footer>Scores are provisional until the run is FINAL · data completeness = frames received / frames sent</footer>
        <!--initial-->
        <script src="/board.js"></script>
        </body>
        </html>
        """#

    static let css = #"""
        :root {
          --bg: #0a0e14; --panel: #121a24; --line: #223042; --text: #e6edf3; --dim: #8b9bb0;
          --accent: #4cc9f0; --good: #5be38a; --warn: #ffcc4d; --bad: #ff5d73;
          font-size: clamp(15px, 0.55vw + 10px, 26px);
        }
        * { box-sizing: border-box; }
        html, body { margin: 0; background: var(--bg); color: var(--text);
          font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
        header { display: flex; justify-content: space-between; align-items: center; gap: 1rem;
          padding: 0.6rem 1.2rem; border-bottom: 1px solid var(--line); flex-wrap: wrap; }
        h1 { font-size: 1.6rem; margin: 0; letter-spacing: 0.02em; }
        h2 { font-size: 1rem; margin: 0 0 0.5rem; color: var(--dim); text-transform: uppercase; letter-spacing: 0.08em;
          display: flex; align-items: center; gap: 0.6rem; flex-wrap: wrap; }
        .run { color: var(--dim); font-size: 1rem; margin-top: 0.2rem; }
        .clockbox { display: flex; align-items: center; gap: 0.8rem; }
        .clock { font-size: 2.4rem; font-variant-numeric: tabular-nums; font-weight: 700; }
        .state { font-size: 0.9rem; font-weight: 700; padding: 0.2rem 0.6rem; border-radius: 0.3rem; background: var(--line); }
        .state.RUNNING { background: var(--good); color: #06140b; }
        .state.FINISHED { background: var(--warn); color: #1a1400; }
        .state.FINAL { background: var(--accent); color: #03141a; }
        .conn { width: 0.8rem; height: 0.8rem; border-radius: 50%; background: var(--bad); display: inline-block; }
        .conn.up { background: var(--good); box-shadow: 0 0 0.5rem var(--good); }
        main { display: grid; gap: 0.8rem; padding: 0.8rem; grid-template-columns: minmax(0, 1.15fr) minmax(0, 1fr);
          grid-template-areas: "ranking map" "fleet ticker"; }
        .panel { background: var(--panel); border: 1px solid var(--line); border-radius: 0.6rem; padding: 0.7rem 0.9rem; min-width: 0; }
        .ranking { grid-area: ranking; } .map { grid-area: map; } .fleet { grid-area: fleet; } .ticker { grid-area: ticker; }
        .tag { font-size: 0.7rem; padding: 0.1rem 0.4rem; border: 1px solid var(--warn); color: var(--warn); border-radius: 0.25rem; }
        .tag.final { border-color: var(--accent); color: var(--accent); }
        table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
        th { text-align: left; color: var(--dim); font-weight: 500; font-size: 0.75rem; padding: 0.2rem 0.4rem; }
        td { padding: 0.45rem 0.4rem; border-top: 1px solid var(--line); vertical-align: middle; }
        .num { text-align: right; }
        td.rank { font-size: 1.5rem; font-weight: 800; color: var(--dim); width: 2.2rem; }
        tr:first-child td.rank { color: var(--warn); }
        td.team { font-size: 1.25rem; font-weight: 700; }
        td.team .dot { display: inline-block; width: 0.7rem; height: 0.7rem; border-radius: 50%; margin-right: 0.4rem; }
        td.team .sub { display: block; font-size: 0.7rem; font-weight: 400; color: var(--dim); }
        td.score { font-size: 1.8rem; font-weight: 800; text-align: right; }
        td.score .zero { color: var(--bad); font-size: 0.7rem; display: block; }
        .bars { display: flex; gap: 0.25rem; align-items: flex-end; }
        .bar { display: flex; flex-direction: column; align-items: center; width: 1.6rem; }
        .bar .track { width: 100%; height: 2.2rem; background: #0c121a; border-radius: 0.2rem; display: flex; align-items: flex-end; overflow: hidden; }
        .bar .fill { width: 100%; background: var(--accent); transition: height 0.4s ease; }
        .bar .label { font-size: 0.65rem; color: var(--dim); }
        td.data { text-align: right; font-size: 0.95rem; }
        td.data.low { color: var(--warn); } td.data.bad { color: var(--bad); }
        .empty { color: var(--dim); }
        svg#map { width: 100%; height: auto; max-height: 62vh; display: block; }
        #ground { fill: #0c131c; stroke: var(--line); stroke-width: 0.1; }
        #robots text { font-size: 1.1px; fill: var(--text); paint-order: stroke; stroke: #000; stroke-width: 0.25px; font-weight: 700; }
        .legend { text-transform: none; letter-spacing: 0; font-size: 0.75rem; color: var(--dim); }
        .swatch { display: inline-block; width: 0.8rem; height: 0.25rem; margin: 0 0.25rem 0.2rem 0.4rem; }
        .swatch.battery { background: var(--good); } .swatch.speed { background: var(--accent); }
        .cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(12rem, 1fr)); gap: 0.5rem; }
        .card { border: 1px solid var(--line); border-radius: 0.4rem; padding: 0.4rem 0.5rem; }
        .card.offline { opacity: 0.55; }
        .card .head { display: flex; justify-content: space-between; font-weight: 700; }
        .card .meta { font-size: 0.7rem; color: var(--dim); display: flex; justify-content: space-between; }
        .card svg { width: 100%; height: 2.2rem; display: block; }
        .card .vals { font-size: 0.8rem; display: flex; justify-content: space-between; font-variant-numeric: tabular-nums; }
        .spark-battery { fill: none; stroke: var(--good); stroke-width: 1.5; vector-effect: non-scaling-stroke; }
        .spark-speed { fill: none; stroke: var(--accent); stroke-width: 1.5; vector-effect: non-scaling-stroke; }
        ol#ticker { list-style: none; margin: 0; padding: 0; max-height: 42vh; overflow: hidden; }
        ol#ticker li { display: flex; gap: 0.6rem; padding: 0.3rem 0; border-top: 1px solid var(--line); font-size: 0.95rem; }
        ol#ticker li .t { color: var(--dim); font-variant-numeric: tabular-nums; min-width: 3.2rem; }
        ol#ticker li.bad .what { color: var(--bad); } ol#ticker li.warn .what { color: var(--warn); } ol#ticker li.good .what { color: var(--good); }
        footer { color: var(--dim); font-size: 0.7rem; padding: 0 1.2rem 0.8rem; }
        @media (max-width: 900px) {
          :root { font-size: 15px; }
          main { grid-template-columns: minmax(0, 1fr); grid-template-areas: "ranking" "map" "ticker" "fleet"; padding: 0.5rem; }
          .clock { font-size: 1.8rem; } h1 { font-size: 1.25rem; }
          th.components, td.components { display: none; }
        }
        """#

    static let js = #"""
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
        """#

}
