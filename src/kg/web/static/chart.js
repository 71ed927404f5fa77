// A chart for YASGUI's results: one bar per value of a column, as long as the sum of a numeric
// column over its rows (or their count). Drawn as SVG in the page: no remote chart library.
"use strict";
(function () {
  if (typeof window.Yasgui === "undefined") return;
  const SVG = "http://www.w3.org/2000/svg";
  const NUMERIC = /#(integer|decimal|double|float|long|int|short|byte|nonNegativeInteger|positiveInteger|gYear)$/;
  const COUNT = "";  // the value choice meaning "number of rows"
  const BAR = 22, GAP = 6, WIDTH = 760, MAX_LABEL = 38;
  let drawn = 0;  // numbers the controls' ids: each tab may draw a chart

  function isNumeric(bindings, variable) {
    let seen = false;
    for (const row of bindings) {
      const term = row[variable];
      if (!term) continue;
      if (term.type !== "literal" && term.type !== "typed-literal") return false;
      if (!(term.datatype && NUMERIC.test(term.datatype)) && !/^-?\d+(\.\d+)?$/.test(term.value)) return false;
      seen = true;
    }
    return seen;
  }

  function element(name, attributes, text) {
    const node = document.createElementNS(SVG, name);
    for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function choice(labelText, id, options, selected) {
    const wrapper = document.createElement("span");
    const label = document.createElement("label");
    label.htmlFor = id;
    label.textContent = labelText + " ";
    const select = document.createElement("select");
    select.id = id;
    for (const [value, text] of options) {
      const option = new Option(text, value, false, value === selected);
      select.appendChild(option);
    }
    wrapper.append(label, select);
    return [wrapper, select];
  }

  class Chart {
    constructor(yasr) {
      this.yasr = yasr;
      this.priority = 5;
      this.label = "Chart";
      this.persistentConfig = {};
    }

    canHandleResults() {
      const results = this.yasr.results;
      if (!results || !results.getVariables || !results.getBindings) return false;
      const vars = results.getVariables() || [];
      return vars.length > 0 && (results.getBindings() || []).length > 0;
    }

    getIcon() {
      const svg = element("svg", { viewBox: "0 0 16 16", width: "16", height: "16", "aria-hidden": "true" });
      for (const [x, h] of [[1, 8], [6, 13], [11, 5]]) {
        svg.appendChild(element("rect", { x: x, y: 15 - h, width: 4, height: h, fill: "currentColor" }));
      }
      return svg;
    }

    draw(persisted) {
      const config = Object.assign(this.persistentConfig, persisted || {});
      const vars = this.yasr.results.getVariables();
      const bindings = this.yasr.results.getBindings();
      const numeric = vars.filter((v) => isNumeric(bindings, v));
      if (!vars.includes(config.by)) config.by = vars[0];
      if (config.value !== COUNT && !numeric.includes(config.value)) {
        config.value = numeric.find((v) => v !== config.by) || COUNT;
      }

      const panel = document.createElement("div");
      panel.className = "kg-chart";
      const controls = document.createElement("p");
      controls.className = "controls";
      drawn += 1;
      const [byChoice, bySelect] = choice("Bars by", "kg-chart-by-" + drawn, vars.map((v) => [v, v]), config.by);
      const [valueChoice, valueSelect] = choice("Length", "kg-chart-value-" + drawn,
        [[COUNT, "number of rows"], ...numeric.map((v) => [v, "sum of " + v])], config.value);
      controls.append(byChoice, " ", valueChoice);
      panel.appendChild(controls);
      const redraw = () => {
        config.by = bySelect.value;
        config.value = valueSelect.value;
        this.yasr.storePluginConfig("chart", config);
        this.yasr.resultsEl.replaceChildren();
        this.draw(config);
      };
      bySelect.addEventListener("change", redraw);
      valueSelect.addEventListener("change", redraw);

      const prefixes = Object.entries(this.yasr.getPrefixes() || {});
      const name = (term) => {
        if (!term) return "(none)";
        if (term.type !== "uri") return term.value;
        const found = prefixes.find(([, ns]) => term.value.startsWith(ns));
        return found ? found[0] + ":" + term.value.slice(found[1].length) : term.value;
      };
      const totals = new Map();
      for (const row of bindings) {
        const key = name(row[config.by]);
        const amount = config.value === COUNT ? 1 : Number(row[config.value] ? row[config.value].value : 0) || 0;
        totals.set(key, (totals.get(key) || 0) + amount);
      }
      const entries = [...totals.entries()];
      const max = Math.max(1, ...entries.map(([, v]) => v));
      const height = entries.length * (BAR + GAP) + GAP;
      const longest = Math.min(MAX_LABEL, Math.max(...entries.map(([key]) => key.length)));
      const LABEL = 16 + 7.5 * longest;  // room for the longest label shown
      const title = (config.value === COUNT ? "Rows" : "Sum of " + config.value) + " by " + config.by;
      const svg = element("svg", {
        viewBox: "0 0 " + WIDTH + " " + height, width: "100%", role: "img", "aria-label": title,
        class: "kg-chart-svg",
      });
      svg.appendChild(element("title", {}, title));
      entries.forEach(([key, value], i) => {
        const y = GAP + i * (BAR + GAP);
        const shown = key.length > MAX_LABEL ? key.slice(0, MAX_LABEL - 1) + "…" : key;
        svg.appendChild(element("text", { x: LABEL - 8, y: y + BAR * 0.7, "text-anchor": "end" }, shown));
        const length = ((WIDTH - LABEL - 60) * value) / max;
        svg.appendChild(element("rect", { x: LABEL, y: y, width: Math.max(length, 1), height: BAR, class: "bar" }));
        svg.appendChild(element("text", { x: LABEL + length + 6, y: y + BAR * 0.7 }, String(value)));
      });
      panel.appendChild(svg);
      this.yasr.resultsEl.appendChild(panel);
    }
  }

  window.Yasgui.Yasr.registerPlugin("chart", Chart);
})();
