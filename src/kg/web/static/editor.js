// YASGUI in place of the query form, when the page offers it and its script has loaded.
// Otherwise this does nothing and the form (query.js, or no script at all) does the work.
"use strict";
(function () {
  const holder = document.getElementById("editor");
  const configElement = document.getElementById("kg-editor");
  if (!holder || !configElement || typeof window.Yasgui === "undefined") return;
  const Yasgui = window.Yasgui;
  const config = JSON.parse(configElement.textContent);
  const form = document.getElementById("query-form");
  const plainResults = document.getElementById("results");
  const menu = document.getElementById("example-menu");
  const description = document.getElementById("example-description");
  const examples = new Map(config.examples.map((q) => [q.name, q]));
  const siteRoot = form.dataset.siteRoot;
  const bases = [form.dataset.dataBase, form.dataset.publicBase];
  config.endpoint = form.action;  // absolute, as the browser resolved it

  // kg's prefixes, not the bundled list of the web's: typing "kgo:" declares it, and the
  // completion after PREFIX offers them. The LOV completers call a remote service: left out.
  Yasgui.Yasqe.forkAutocompleter("prefixes", {
    name: "kg-prefixes",
    get: () => Promise.resolve(
      Object.entries(config.prefixes).map(([p, ns]) => p + ": <" + ns + ">").sort()),
  }, false);
  // kg's own classes (after "a") and properties (in a predicate's place), asked of the endpoint
  // once per page, where YASQE's completers would ask Linked Open Vocabularies.
  let vocabulary = null;
  function ourTerms() {
    if (vocabulary === null) {
      const query = [
        "PREFIX owl: <http://www.w3.org/2002/07/owl#>",
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>",
        "SELECT DISTINCT ?term ?kind WHERE {",
        "  VALUES ?kind { owl:Class rdfs:Class owl:ObjectProperty owl:DatatypeProperty }",
        "  ?term a ?kind FILTER (STRSTARTS(STR(?term), \"" + config.prefixes.kgo + "\"))",
        "}",
      ].join("\n");
      vocabulary = fetch(config.endpoint, {
        method: "POST",
        headers: { "Accept": "application/sparql-results+json" },
        body: new URLSearchParams({ query: query }),
      })
        .then((response) => (response.ok ? response.json() : { results: { bindings: [] } }))
        .then((doc) => {
          const classes = new Set(), properties = new Set();
          for (const row of doc.results.bindings) {
            (row.kind.value.endsWith("Class") ? classes : properties).add(row.term.value);
          }
          return { classes: [...classes].sort(), properties: [...properties].sort() };
        })
        .catch(() => ({ classes: [], properties: [] }));
    }
    return vocabulary;
  }
  Yasgui.Yasqe.forkAutocompleter("class", {
    name: "kg-classes", bulk: true, get: () => ourTerms().then((terms) => terms.classes),
  }, false);
  Yasgui.Yasqe.forkAutocompleter("property", {
    name: "kg-properties", bulk: true, get: () => ourTerms().then((terms) => terms.properties),
  }, false);
  const completers = Yasgui.defaults.yasqe.autocompleters;
  completers.splice(0, completers.length, "variables", "kg-prefixes", "kg-classes", "kg-properties");

  // IRIs this site answers for link to their pages here, as in the plain form's table.
  function localHref(iri) {
    for (const base of bases) {
      if (base && iri.startsWith(base)) {
        return siteRoot + encodeURI(iri.slice(base.length)).replace(/'/g, "%27");
      }
    }
    return null;
  }

  const Table = Yasgui.Yasr.plugins.table;
  Table.defaults.openIriInNewWindow = false;
  const iriLink = Table.prototype.getUriLinkFromBinding;
  Table.prototype.getUriLinkFromBinding = function (binding, prefixes) {
    const html = iriLink.call(this, binding, prefixes);
    const here = localHref(binding.value);
    // The HTML comes back sanitized, double-quoted, and set to open in a new window: a page of
    // this site opens in this one, as every other link here does.
    return here
      ? html.replace(/ href="[^"]*"/, ' href="' + here + '"').replace(/ target="_blank" rel="[^"]*"/, "")
      : html;
  };

  // The table shortens an IRI with the first namespace it starts with: the most specific first.
  function longestFirst(prefixes) {
    const entries = Object.entries(prefixes).sort((a, b) => b[1].length - a[1].length);
    return Object.fromEntries(entries);
  }

  const yasgui = new Yasgui(document.getElementById("yasgui"), {
    autofocus: false,
    populateFromUrl: false,  // done below: the page's own ?query= and ?example= come first
    copyEndpointOnNewTab: false,
    persistenceId: "kg-mali",
    requestConfig: { endpoint: config.endpoint, method: "POST" },
    endpointCatalogueOptions: { getData: () => [{ endpoint: config.endpoint }] },
    yasqe: { value: config.defaultQuery, editorHeight: "22rem" },
    yasr: { prefixes: longestFirst(config.prefixes), defaultPlugin: "table", pluginOrder: ["table", "response", "chart"] },
  });
  // Tabs kept from an earlier visit query this endpoint as the browser now reaches it.
  for (const tab of Object.values(yasgui._tabs)) {
    if (tab.getEndpoint() !== config.endpoint) tab.setEndpoint(config.endpoint);
  }
  form.hidden = true;
  plainResults.hidden = true;
  holder.hidden = false;
  mendAccessibility(document.getElementById("yasgui"));

  // What YASGUI leaves out for screen readers and keyboards (axe-core finds it; the browser
  // tests check), put back as it draws: names for its fields, a header for the row numbers,
  // and its "+" button moved out of the tab list, where only tabs may be.
  function mendAccessibility(root) {
    const names = [
      [".CodeMirror textarea", "SPARQL query"],
      [".controlbar .autocomplete", "SPARQL endpoint"],
      ["select.tableSizer", "Rows per page"],
      [".tableFilter", "Filter the results"],
      [".tab input[type=text]", "Tab name"],
    ];
    function mend() {
      for (const [selector, name] of names) {
        for (const field of root.querySelectorAll(selector)) {
          if (!field.hasAttribute("aria-label")) field.setAttribute("aria-label", name);
        }
      }
      // CodeMirror keeps its scrolling area out of the tab order; a keyboard needs it in.
      for (const scroller of root.querySelectorAll(".CodeMirror-scroll:not([tabindex='0'])")) {
        scroller.setAttribute("tabindex", "0");
      }
      for (const title of root.querySelectorAll("th.dt-orderable-none .dt-column-title:empty")) {
        title.innerHTML = '<span class="visually-hidden">Row</span>';
      }
      const tabs = root.querySelector(".tabsList");
      const add = tabs && tabs.querySelector(".addTab");
      if (add && !root.querySelector(".kg-add-tab")) {
        add.parentElement.hidden = true;  // YASGUI inserts new tabs before it: it stays there
        const button = document.createElement("button");
        button.type = "button";
        button.className = "kg-add-tab";
        button.textContent = "+";
        button.title = "Add tab";
        button.setAttribute("aria-label", "Add a new tab");
        button.addEventListener("click", () => add.click());
        const row = document.createElement("div");
        row.className = "kg-tabs";
        tabs.replaceWith(row);
        row.append(tabs, button);
      }
    }
    mend();
    new MutationObserver(mend).observe(root, { childList: true, subtree: true });
  }

  // Declare the kg prefixes a query uses without declaring them (the endpoint knows them):
  // YASQE would flag them, though the query runs. Prefixed names are its "string-2" tokens.
  function declareUsedPrefixes(yasqe) {
    const declared = yasqe.getPrefixesFromQuery();
    const missing = {};
    for (let line = 0; line < yasqe.lineCount(); line++) {
      for (const token of yasqe.getLineTokens(line)) {
        if (token.type !== "string-2") continue;
        const prefix = token.string.slice(0, token.string.indexOf(":"));
        if (Object.hasOwn(config.prefixes, prefix) && !Object.hasOwn(declared, prefix)) {
          missing[prefix] = config.prefixes[prefix];
        }
      }
    }
    if (Object.keys(missing).length) yasqe.addPrefixes(missing);
  }

  // A query in a tab of its own, or in the active tab while that still holds the untouched
  // default (a first visit), so that following an example does not leave a stray tab behind.
  function open(name, text, run) {
    let tab = yasgui.getTab();
    if (tab && tab.getQuery() === config.defaultQuery && !tab.hasResults()) {
      tab.setQuery(text);
      tab.setName(name);
    } else {
      const settings = Yasgui.Tab.getDefaults(yasgui);
      settings.name = name;
      settings.yasqe = { value: text };
      settings.requestConfig = { endpoint: config.endpoint };
      tab = yasgui.addTab(true, settings, { avoidDuplicateTabs: true });
    }
    const yasqe = tab.getYasqe();
    if (yasqe) declareUsedPrefixes(yasqe);
    if (run) tab.query().catch(() => {});
    return tab;
  }

  function showExample(name) {
    const example = examples.get(name);
    if (!example) return;
    open(example.title, example.text, false);
    menu.value = name;
    description.textContent = example.description;
  }

  menu.addEventListener("change", () => showExample(menu.value));
  for (const link of document.querySelectorAll("a.example[data-name]")) {
    link.addEventListener("click", (event) => {
      event.preventDefault();
      showExample(link.dataset.name);
      document.getElementById("query").scrollIntoView();
      menu.focus();
    });
  }

  // A link YASGUI shared (#query=…&endpoint=…), else what this page's address asked for. A
  // shared link runs on this endpoint whatever it names (the page may query no other).
  const shared = /(^|&)query=/.test(location.hash.slice(1))
    ? Yasgui.linkUtils.getConfigFromUrl(Yasgui.Tab.getDefaults(yasgui), location.href)
    : null;
  if (shared) {
    shared.requestConfig.endpoint = config.endpoint;
    yasgui.addTab(true, shared, { avoidDuplicateTabs: true }).query().catch(() => {});
  } else if (config.asked && config.asked.name) {
    showExample(config.asked.name);
  } else if (config.asked) {
    open("Query", config.asked.text, config.asked.run);
  }
})();
