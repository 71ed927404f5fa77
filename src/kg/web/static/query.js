// The query form's "HTML table" choice: post to /sparql, draw the results in the page.
// Other formats submit the form as it is, and the browser shows the endpoint's answer.
"use strict";
(function () {
  const form = document.getElementById("query-form");
  if (!form || form.hidden) return;  // hidden: YASGUI (editor.js) took its place
  const results = document.getElementById("results");
  const button = document.getElementById("run-query");
  const bases = [form.dataset.dataBase, form.dataset.publicBase];
  const siteRoot = form.dataset.siteRoot;
  const prefixes = JSON.parse(document.getElementById("kg-prefixes").textContent);

  // An IRI this site answers for links to its page here; other http(s) IRIs link out.
  function href(iri) {
    for (const base of bases) {
      if (iri.startsWith(base)) return siteRoot + encodeURI(iri.slice(base.length));
    }
    return /^https?:\/\//.test(iri) ? iri : null;
  }

  function shortIri(iri) {
    let best = null;
    for (const [prefix, ns] of Object.entries(prefixes)) {
      if (iri.startsWith(ns) && (!best || ns.length > best[1].length)) best = [prefix, ns];
    }
    const local = best ? iri.slice(best[1].length) : null;
    return local !== null && /^[\w.\/-]*$/.test(local) ? best[0] + ":" + local : iri;
  }

  function cell(term) {
    const td = document.createElement("td");
    if (!term) return td;
    if (term.type === "uri") {
      const target = href(term.value);
      const node = document.createElement(target ? "a" : "span");
      if (target) node.href = target;
      node.title = term.value;
      node.textContent = shortIri(term.value);
      td.appendChild(node);
    } else if (term.type === "bnode") {
      td.textContent = "_:" + term.value;
    } else {
      const span = document.createElement("span");
      span.textContent = term.value;
      if (term["xml:lang"]) span.lang = term["xml:lang"];
      if (term.datatype) span.title = term.datatype;
      td.appendChild(span);
    }
    return td;
  }

  function table(doc, truncated) {
    const vars = doc.head.vars;
    const rows = doc.results.bindings;
    const t = document.createElement("table");
    t.id = "results-table";
    const caption = t.createCaption();
    caption.textContent = rows.length + (rows.length === 1 ? " row" : " rows") +
      (truncated ? " (cut at the endpoint's row limit)" : "");
    const head = t.createTHead().insertRow();
    for (const v of vars) {
      const th = document.createElement("th");
      th.scope = "col";
      th.textContent = v;
      head.appendChild(th);
    }
    const body = t.createTBody();
    for (const row of rows) {
      const tr = body.insertRow();
      for (const v of vars) tr.appendChild(cell(row[v]));
    }
    return t;
  }

  function show(node) {
    results.replaceChildren(node);
  }

  function message(text, isError) {
    const p = document.createElement("p");
    p.textContent = text;
    if (isError) { p.className = "error"; p.setAttribute("role", "alert"); }
    return p;
  }

  async function run(query) {
    button.disabled = true;
    results.setAttribute("aria-busy", "true");
    show(message("Running…", false));
    try {
      const response = await fetch(form.action, {
        method: "POST",
        headers: {
          "Content-Type": "application/x-www-form-urlencoded",
          "Accept": "application/sparql-results+json, text/turtle;q=0.9",
        },
        body: new URLSearchParams({ query: query }),
      });
      const type = response.headers.get("Content-Type") || "";
      if (!response.ok) {
        let text = response.status + " " + response.statusText;
        try { text = (await response.json()).error.message; } catch (e) { /* not JSON */ }
        show(message("The endpoint refused the query: " + text, true));
      } else if (type.startsWith("text/turtle")) {
        const pre = document.createElement("pre");
        pre.textContent = await response.text();
        show(pre);
      } else {
        const doc = await response.json();
        if ("boolean" in doc) show(message("Answer: " + doc.boolean, false));
        else show(table(doc, response.headers.get("X-KG-Truncated") === "true"));
      }
    } catch (error) {
      show(message("The query could not be sent: " + error, true));
    } finally {
      button.disabled = false;
      results.removeAttribute("aria-busy");
    }
  }

  form.addEventListener("submit", function (event) {
    if (form.elements.format.value !== "") return;  // the browser shows the raw answer
    event.preventDefault();
    const query = form.elements.query.value;
    // A shareable address for this query and its results.
    history.replaceState(null, "", "?query=" + encodeURIComponent(query) + "#results");
    run(query);
  });

  if (form.dataset.autorun === "true") run(form.elements.query.value);
})();
