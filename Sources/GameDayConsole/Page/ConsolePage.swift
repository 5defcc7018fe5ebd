/// The console's page: HTML, CSS and JavaScript compiled into the binary (no CDN: it works in an air-gapped room).
///
/// The page holds no state of its own: it folds the journal's server-sent events into what it shows, so a reload
/// or a late joiner sees the whole run so far. Text from the journal is only ever set as `textContent`.
enum ConsolePage {
    static let html = #"""
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>gameday console</title>
    <link rel="stylesheet" href="/console.css">
    </head>
    <body>
    <header>
      <div class="title"><span id="plan">gameday</span> <span id="run" class="dim"></span></div>
      <div id="phase" data-phase="waiting">waiting</div>
      <div class="clock"><span id="elapsed">T+0s</span> <span id="countdown" class="dim"></span></div>
      <div class="who"><span id="role" class="badge"></span>
        <input id="name" placeholder="your name" maxlength="64" autocomplete="name" aria-label="your name"></div>
    </header>
    <div id="banner" hidden></div>
    <main>
      <section class="wide">
        <h2>Steps</h2>
        <svg id="timeline" role="img" aria-label="planned steps with the current time"></svg>
      </section>
      <section>
        <h2>Active faults</h2>
        <ul id="faults" class="plain"><li class="dim">none</li></ul>
      </section>
      <section>
        <h2>Guardrails</h2>
        <ul id="guardrails" class="plain"></ul>
      </section>
      <section class="wide">
        <h2>Health</h2>
        <div id="checks"></div>
      </section>
      <section id="actions">
        <h2>Marks</h2>
        <div class="buttons">
          <button id="detected" type="button">Detected</button>
          <button id="mitigated" type="button">Mitigated</button>
        </div>
        <form id="note-form"><input id="note" placeholder="note for the timeline" maxlength="1000" aria-label="note">
          <button type="submit">Add note</button></form>
        <div id="abort-box" hidden>
          <button id="abort" type="button" class="danger">Abort: revert everything now</button>
        </div>
        <p id="action-status" class="dim" role="status"></p>
      </section>
      <section id="blind-box" hidden>
        <h2>Diagnoses</h2>
        <p class="dim" id="blind-hint">A blind drill: what broke is hidden. Say what you think it is; the facilitator marks the right diagnosis.</p>
        <form id="diagnosis-form"><input id="diagnosis" placeholder="what broke? e.g. payments is slow" maxlength="1000" aria-label="diagnosis">
          <button type="submit">Submit diagnosis</button></form>
        <ul id="diagnoses" class="plain"></ul>
      </section>
      <section>
        <h2>Runbook</h2>
        <div id="runbook" class="dim">no runbook</div>
      </section>
      <section class="wide">
        <h2>Event log <span id="probe-count" class="dim"></span></h2>
        <ol id="log" reversed></ol>
      </section>
    </main>
    <script src="/console.js"></script>
    </body>
    </html>
    """#

    static let css = #"""
    :root { --bg: #101418; --fg: #e8eef2; --dim: #8a98a5; --panel: #1a2128; --ok: #2ecc71; --bad: #ff5c5c;
            --warn: #f5b041; --fault: rgba(255, 92, 92, 0.18); --accent: #5dade2; color-scheme: dark; scrollbar-color: #5d6d7e #0b0f12; }
    * { box-sizing: border-box; }
    body { margin: 0; background: var(--bg); color: var(--fg); font: 18px/1.4 system-ui, sans-serif; }
    @media (min-width: 1600px) { body { font-size: 22px; } }
    header { display: flex; flex-wrap: wrap; gap: 1em; align-items: center; justify-content: space-between;
             padding: .6em 1em; background: var(--panel); position: sticky; top: 0; z-index: 1; }
    .title { font-size: 1.3em; font-weight: 600; }
    .dim { color: var(--dim); }
    #phase { font-size: 1.6em; font-weight: 700; text-transform: uppercase; letter-spacing: .05em; }
    #phase[data-phase="chaos"] { color: var(--bad); }
    #phase[data-phase="baseline"], #phase[data-phase="recovery"] { color: var(--accent); }
    #phase[data-phase="ended"] { color: var(--dim); }
    .clock { font-size: 1.6em; font-variant-numeric: tabular-nums; }
    .badge { padding: .1em .5em; border-radius: .3em; background: #2c3e50; text-transform: uppercase; font-size: .8em; }
    input, button { font: inherit; }
    input { background: #0b0f12; color: var(--fg); border: 1px solid #34495e; border-radius: .3em; padding: .3em .5em; }
    button { background: #2c3e50; color: var(--fg); border: 1px solid #5d6d7e; border-radius: .3em; padding: .4em .9em; cursor: pointer; }
    button:disabled { opacity: .4; cursor: default; }
    button.danger { background: #922b21; border-color: var(--bad); font-weight: 700; }
    #banner { padding: .6em 1em; background: #7d6608; font-weight: 600; }
    main { display: grid; grid-template-columns: repeat(auto-fit, minmax(22em, 1fr)); gap: 1em; padding: 1em; }
    section { background: var(--panel); border-radius: .5em; padding: .6em 1em; min-width: 0; }
    section.wide { grid-column: 1 / -1; }
    h2 { font-size: 1em; margin: .2em 0 .5em; color: var(--dim); text-transform: uppercase; letter-spacing: .08em; }
    ul.plain { list-style: none; padding: 0; margin: 0; }
    ul.plain li { padding: .2em 0; }
    #timeline { width: 100%; display: block; }
    .check { display: grid; grid-template-columns: 12em 1fr; gap: .5em; align-items: center; margin: .3em 0; }
    .lamp { display: inline-block; width: .9em; height: .9em; border-radius: 50%; background: var(--dim); margin-right: .4em; vertical-align: -.05em; }
    .check[data-state="healthy"] .lamp { background: var(--ok); }
    .check[data-state="unhealthy"] .lamp { background: var(--bad); box-shadow: 0 0 .6em var(--bad); }
    .check svg { width: 100%; height: 5em; background: #0b0f12; border-radius: .3em; }
    .check .figure { font-size: .8em; color: var(--dim); }
    li.tripped { color: var(--bad); font-weight: 700; }
    .buttons { display: flex; gap: .5em; margin-bottom: .5em; }
    #note-form { display: flex; gap: .5em; margin-bottom: .5em; }
    #note-form input { flex: 1; min-width: 0; }
    #log { max-height: 24em; overflow-y: auto; font: .8em/1.5 ui-monospace, monospace; margin: 0; padding-left: 4em; }
    #log li.bad { color: var(--bad); }
    #log li.mark { color: var(--warn); }
    #runbook { max-height: 30em; overflow-y: auto; }
    #diagnosis-form { display: flex; gap: .5em; margin-bottom: .5em; }
    #diagnosis-form input { flex: 1; min-width: 0; }
    #diagnoses li.correct { color: var(--ok); font-weight: 700; }
    #runbook li.done label { text-decoration: line-through; color: var(--dim); }
    #runbook pre { background: #0b0f12; padding: .5em; overflow-x: auto; }
    """#
}
