/*
 * The SPARQL query page: editor, example queries, results and downloads.
 *
 * No external resources and no innerHTML: every piece of data (query text, results,
 * server messages) is inserted with textContent or createElement, so nothing the server
 * or a result returns can become markup. The page's data comes from data-* attributes
 * and from the <script type="application/json" id="download-formats"> block.
 */
(function () {
  "use strict";

  // SELECT and ASK come back as SPARQL results JSON, CONSTRUCT and DESCRIBE as Turtle.
  const ACCEPT = "application/sparql-results+json, text/turtle;q=0.9";
  const DISPLAY_ROWS = 1000;
  const XSD = "http://www.w3.org/2001/XMLSchema#";
  const NUMERIC = new Set(
    ["integer", "decimal", "double", "float", "int", "long", "short", "byte", "nonNegativeInteger",
      "positiveInteger", "negativeInteger", "nonPositiveInteger", "unsignedInt", "unsignedLong",
      "unsignedShort", "unsignedByte"].map((name) => XSD + name)
  );
  // Namespaces every SPARQL user knows; the query's own PREFIX declarations come first.
  const COMMON_PREFIXES = [
    ["rdf", "http://www.w3.org/1999/02/22-rdf-syntax-ns#"],
    ["rdfs", "http://www.w3.org/2000/01/rdf-schema#"],
    ["owl", "http://www.w3.org/2002/07/owl#"],
    ["xsd", XSD],
  ];
  const REASONS = {
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    406: "Not Acceptable",
    413: "Payload Too Large",
    414: "URI Too Long",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    500: "Internal Server Error",
    503: "Service Unavailable",
  };
  const HINTS = {
    403: "This endpoint is read-only: SPARQL Update and federated queries (SERVICE) are refused.",
    406: "The server cannot answer this query in the requested format.",
    414: "The query is too long for a URL; the page sends it with POST, so this came from a link.",
    422: "The result is larger than the endpoint's limit; add a LIMIT or narrow the query.",
    503: "The query was stopped at the time limit or the server was busy; simplify the query or retry.",
  };

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function formatMs(ms) {
    return ms < 1000 ? Math.round(ms) + " ms" : (ms / 1000).toFixed(2) + " s";
  }

  function formatCount(n, one, many) {
    return n.toLocaleString("en") + " " + (n === 1 ? one : many);
  }

  function init() {
    const page = document.getElementById("query-page");
    if (!page) return;
    // The endpoint's path on the page's own origin: the server's idea of its absolute URL can be
    // wrong behind a proxy (http for https, an internal host name), the page's address is not.
    const endpoint = window.location.origin + new URL(page.dataset.endpoint, window.location.href).pathname;
    const base = page.dataset.base || "";
    const origin = window.location.origin;
    const formatsBlock = document.getElementById("download-formats");
    const formats = formatsBlock ? JSON.parse(formatsBlock.textContent) : { results: [], graph: [] };

    const form = document.getElementById("query-form");
    const editor = document.getElementById("query-text");
    const gutter = document.getElementById("gutter");
    const cursorPosition = document.getElementById("cursor-position");
    const runButton = document.getElementById("run-button");
    const resultsSection = document.getElementById("results");
    const statusLine = document.getElementById("result-status");
    const errorBox = document.getElementById("error-box");
    const errorTitle = document.getElementById("error-title");
    const errorMessage = document.getElementById("error-message");
    const errorActions = document.getElementById("error-actions");
    const output = document.getElementById("result-output");
    const downloads = document.getElementById("downloads");

    let lineCount = 0;
    let running = null;

    // ---------------------------------------------------------------- editor

    function updateGutter() {
      const lines = editor.value.split("\n").length;
      if (lines !== lineCount) {
        lineCount = lines;
        const numbers = [];
        for (let i = 1; i <= lines; i += 1) numbers.push(String(i));
        gutter.textContent = numbers.join("\n") + "\n";
      }
      gutter.scrollTop = editor.scrollTop;
    }

    function updateCursor() {
      const before = editor.value.slice(0, editor.selectionStart);
      const line = before.split("\n").length;
      const column = before.length - before.lastIndexOf("\n");
      cursorPosition.textContent = "Line " + line + ", column " + column;
    }

    function selectPosition(line, column) {
      const lines = editor.value.split("\n");
      const row = Math.min(Math.max(line, 1), lines.length) - 1;
      let offset = 0;
      for (let i = 0; i < row; i += 1) offset += lines[i].length + 1;
      const col = Math.min(Math.max(column, 1), lines[row].length + 1) - 1;
      editor.focus();
      editor.setSelectionRange(offset + col, Math.min(offset + col + 1, offset + lines[row].length));
      const lineHeight = parseFloat(getComputedStyle(editor).lineHeight) || 20;
      editor.scrollTop = Math.max(0, row * lineHeight - editor.clientHeight / 2);
      updateGutter();
      updateCursor();
    }

    editor.addEventListener("input", updateGutter);
    editor.addEventListener("scroll", () => {
      gutter.scrollTop = editor.scrollTop;
    });
    ["keyup", "click", "select", "focus"].forEach((type) => editor.addEventListener(type, updateCursor));
    editor.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        runEditorQuery();
      }
    });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      runEditorQuery();
    });
    if (typeof ResizeObserver === "function") {
      new ResizeObserver(() => {
        gutter.style.height = editor.offsetHeight + "px";
        gutter.scrollTop = editor.scrollTop;
      }).observe(editor);
    }

    // ---------------------------------------------------------------- examples

    const examples = Array.from(document.querySelectorAll(".example"));

    function loadExample(item) {
      editor.value = item.dataset.query;
      updateGutter();
      examples.forEach((other) => other.classList.toggle("active", other === item));
      editor.scrollTop = 0;
      editor.scrollLeft = 0;
      editor.focus({ preventScroll: true });
      editor.setSelectionRange(0, 0);
      updateCursor();
      const box = editor.getBoundingClientRect();
      if (box.top < 0 || box.bottom > window.innerHeight) editor.scrollIntoView({ block: "nearest" });
    }

    examples.forEach((item) => {
      item.querySelector(".example-load").addEventListener("click", () => loadExample(item));
      const params = item.querySelector("form.params");
      if (!params) return;
      // Use the "e.g." of a parameter's description as the input's placeholder.
      params.querySelectorAll(".param").forEach((param) => {
        const input = param.querySelector("input");
        const description = param.querySelector(".param-description");
        if (!input || !description || input.value) return;
        const match = /e\.g\.\s+(\S+?)[.,;)]?(?:\s|$)/.exec(description.textContent);
        if (match) input.placeholder = match[1];
      });
      params.addEventListener("submit", (event) => {
        event.preventDefault();
        if (!params.reportValidity()) return;
        runNamed(item, params);
      });
    });

    // ---------------------------------------------------------------- running

    function runEditorQuery() {
      const query = editor.value;
      if (!query.trim()) {
        clearResults();
        showError(null, "The query is empty", "Type a query, or load one of the example queries.");
        return;
      }
      execute({
        url: endpoint,
        init: { method: "POST", body: new URLSearchParams({ query: query }) },
        source: { kind: "sparql", query: query },
        label: "",
      });
    }

    function runNamed(item, params) {
      const values = new URLSearchParams();
      for (const [name, value] of new FormData(params)) {
        const text = String(value).trim();
        if (text !== "") values.append(name, text);
      }
      loadExample(item);
      const url = item.dataset.url;
      const query = values.toString();
      execute({
        url: query ? url + "?" + query : url,
        init: { method: "GET" },
        source: { kind: "named", url: url, params: values, name: item.dataset.name },
        label: item.dataset.title + (query ? " (" + Array.from(values, ([k, v]) => k + " = " + v).join(", ") + ")" : ""),
      });
    }

    async function execute(request) {
      if (running) running.abort();
      const controller = new AbortController();
      running = controller;
      clearResults();
      resultsSection.classList.add("busy");
      runButton.setAttribute("aria-busy", "true");
      statusLine.textContent = "Running" + (request.label ? " " + request.label : "") + "…";
      const started = performance.now();
      let response;
      let body;
      try {
        const headers = { Accept: ACCEPT };
        response = await fetch(request.url, Object.assign({}, request.init, {
          headers: headers,
          signal: controller.signal,
          cache: "no-store",
          credentials: "same-origin",
        }));
        body = await response.text();
      } catch (error) {
        if (controller.signal.aborted) return;
        finish(controller);
        statusLine.textContent = "";
        showError(null, "The request failed", "The server could not be reached: " + error.message);
        return;
      }
      if (running !== controller) return;
      finish(controller);
      const elapsed = performance.now() - started;
      if (!response.ok) {
        statusLine.textContent = "";
        showError(response.status, response.statusText, body);
        return;
      }
      const mediaType = (response.headers.get("Content-Type") || "").split(";")[0].trim().toLowerCase();
      const prefix = request.label ? request.label + " · " : "";
      if (mediaType === "application/sparql-results+json" || mediaType === "application/json") {
        let data;
        try {
          data = JSON.parse(body);
        } catch (error) {
          showError(null, "Unreadable answer", "The server's answer is not valid JSON: " + error.message);
          return;
        }
        if (typeof data.boolean === "boolean") {
          renderAsk(data.boolean);
          statusLine.textContent = prefix + "ASK answered " + data.boolean + " in " + formatMs(elapsed);
        } else {
          const rows = renderSelect(data, prefixesOf(request));
          statusLine.textContent = prefix + formatCount(rows, "row", "rows") + " in " + formatMs(elapsed);
        }
        showDownloads(formats.results, request.source);
      } else {
        const lines = renderGraph(body, mediaType);
        statusLine.textContent = prefix + (mediaType === "text/turtle" ? "Turtle" : mediaType) + ", " +
          formatCount(lines, "line", "lines") + " in " + formatMs(elapsed);
        showDownloads(formats.graph, request.source);
      }
    }

    function finish(controller) {
      if (running === controller) running = null;
      resultsSection.classList.remove("busy");
      runButton.removeAttribute("aria-busy");
    }

    function clearResults() {
      statusLine.textContent = "";
      errorBox.hidden = true;
      errorTitle.textContent = "";
      errorMessage.textContent = "";
      errorActions.replaceChildren();
      output.replaceChildren();
      downloads.replaceChildren();
      downloads.hidden = true;
    }

    // ---------------------------------------------------------------- errors

    function showError(status, statusText, message) {
      let title = statusText || "";
      if (status !== null) title = "Error " + status + " " + (REASONS[status] || statusText || "");
      errorTitle.textContent = title.trim();
      errorMessage.textContent = (message || "").trim() || "(the server gave no message)";
      errorActions.replaceChildren();
      if (status !== null && HINTS[status]) errorActions.append(el("span", "muted", HINTS[status] + " "));
      const position = /\b(?:at|line)\s+(\d+):(\d+)/.exec(message || "");
      if (position) {
        const line = Number(position[1]);
        const column = Number(position[2]);
        const button = el("button", "link-button", "Show line " + line + ", column " + column + " in the editor");
        button.type = "button";
        button.addEventListener("click", () => selectPosition(line, column));
        errorActions.append(button);
      }
      errorBox.hidden = false;
    }

    // ---------------------------------------------------------------- rendering

    function prefixesOf(request) {
      const text = request.source.kind === "sparql" ? request.source.query : editor.value;
      const found = [];
      const declaration = /PREFIX\s+([A-Za-z][\w.-]*)?:\s*<([^>\s]*)>/gi;
      let match;
      while ((match = declaration.exec(text)) !== null) found.push([match[1] || "", match[2]]);
      return found.concat(COMMON_PREFIXES);
    }

    function compact(iri, prefixes) {
      let best = null;
      for (const [name, namespace] of prefixes) {
        if (!namespace || !iri.startsWith(namespace)) continue;
        const local = iri.slice(namespace.length);
        if (!/^[A-Za-z0-9_]([\w.-]*[\w-])?$/.test(local) && local !== "") continue;
        if (best === null || namespace.length > best[1].length) best = [name, namespace, local];
      }
      return best ? best[0] + ":" + best[2] : iri;
    }

    function isLocal(iri) {
      return iri.startsWith(origin + "/") || (base !== "" && iri.startsWith(base));
    }

    // The label of an IRI, with line-break opportunities after its path separators.
    function breakable(label) {
      const fragment = document.createDocumentFragment();
      label.split(/(?<=[^/:][/#])(?=.)/).forEach((part, index) => {
        if (index > 0) fragment.append(document.createElement("wbr"));
        fragment.append(part);
      });
      return fragment;
    }

    function renderIri(iri, prefixes) {
      const label = compact(iri, prefixes);
      // Only http(s) IRIs become links (as on the server's pages, urls.is_web_url): a javascript:,
      // data: or vbscript: IRI in a result is shown as text, never as a link that runs when clicked.
      if (!/^https?:\/\/\S+$/i.test(iri)) {
        const span = el("span", "iri");
        span.append(breakable(label));
        span.title = iri;
        return span;
      }
      const link = el("a", "iri");
      link.append(breakable(label));
      link.href = iri;
      link.title = iri;
      if (!isLocal(iri)) {
        link.classList.add("external");
        link.target = "_blank";
        link.rel = "noopener noreferrer";
      }
      return link;
    }

    function renderLiteral(term, prefixes) {
      const span = el("span", "literal");
      span.append(el("span", "value", term.value));
      const language = term["xml:lang"];
      if (language) {
        span.append(el("span", "tag muted", "@" + language));
      } else if (term.datatype && term.datatype !== XSD + "string") {
        const tag = el("span", "tag muted", compact(term.datatype, prefixes));
        tag.title = term.datatype;
        span.append(tag);
      }
      return span;
    }

    function renderTerm(term, prefixes) {
      switch (term.type) {
        case "uri":
          return renderIri(term.value, prefixes);
        case "bnode":
          return el("span", "bnode", "_:" + term.value);
        case "literal":
        case "typed-literal":
          return renderLiteral(term, prefixes);
        case "triple": {
          const triple = el("span", "triple");
          const parts = term.value || {};
          triple.append("<< ");
          ["subject", "predicate", "object"].forEach((role) => {
            if (parts[role]) triple.append(renderTerm(parts[role], prefixes), " ");
          });
          triple.append(">>");
          return triple;
        }
        default:
          return el("span", null, String(term.value));
      }
    }

    function appendRows(tbody, vars, rows, from, to, prefixes) {
      const fragment = document.createDocumentFragment();
      for (let i = from; i < to; i += 1) {
        const tr = document.createElement("tr");
        tr.append(el("td", "rownum", String(i + 1)));
        const binding = rows[i];
        for (const name of vars) {
          const td = document.createElement("td");
          const term = binding[name];
          if (term) {
            td.append(renderTerm(term, prefixes));
            if (term.type !== "uri" && NUMERIC.has(term.datatype)) td.className = "num";
          }
          tr.append(td);
        }
        fragment.append(tr);
      }
      tbody.append(fragment);
    }

    function renderSelect(data, prefixes) {
      const vars = (data.head && data.head.vars) || [];
      const rows = (data.results && data.results.bindings) || [];
      const wrap = el("div", "table-wrap");
      const table = el("table", "results-table");
      const headerRow = table.createTHead().insertRow();
      const corner = el("th", "rownum", "#");
      corner.scope = "col";
      headerRow.append(corner);
      for (const name of vars) {
        const th = el("th", null, name);
        th.scope = "col";
        th.title = "?" + name;
        headerRow.append(th);
      }
      const tbody = table.createTBody();
      const shown = Math.min(rows.length, DISPLAY_ROWS);
      appendRows(tbody, vars, rows, 0, shown, prefixes);
      wrap.append(table);
      output.append(wrap);
      if (rows.length === 0) {
        output.append(el("p", "empty muted", "The query matched nothing: no rows."));
      } else if (rows.length > shown) {
        const more = el("p", "more");
        more.append("Showing the first " + shown.toLocaleString("en") + " of " + rows.length.toLocaleString("en") +
          " rows (the downloads below have them all). ");
        const button = el("button", "link-button", "Show all rows");
        button.type = "button";
        button.addEventListener("click", () => {
          appendRows(tbody, vars, rows, shown, rows.length, prefixes);
          more.remove();
        });
        more.append(button);
        output.append(more);
      }
      return rows.length;
    }

    function renderAsk(answer) {
      const box = el("div", "ask-answer " + (answer ? "ask-true" : "ask-false"));
      box.append(el("span", "ask-label", "ASK"), el("strong", "ask-value", answer ? "true" : "false"));
      output.append(box);
    }

    function renderGraph(text, mediaType) {
      const pre = el("pre", "graph-output");
      pre.dataset.mediaType = mediaType;
      pre.textContent = text.trim() === "" ? "# The graph is empty: the query produced no triples." : text;
      output.append(pre);
      return text.trim() === "" ? 0 : text.trimEnd().split("\n").length;
    }

    // ---------------------------------------------------------------- downloads

    function showDownloads(list, source) {
      downloads.replaceChildren(el("span", "downloads-label", "Download:"));
      for (const format of list) {
        let href;
        let filename;
        if (source.kind === "sparql") {
          href = endpoint + "?" + new URLSearchParams({ query: source.query, format: format.name }).toString();
          filename = "query-result." + format.extension;
        } else {
          const params = new URLSearchParams(source.params);
          params.set("format", format.name);
          href = source.url + "?" + params.toString();
          filename = source.name + "." + format.extension;
        }
        const link = el("a", "download", format.label);
        link.href = href;
        link.download = filename;
        link.title = format.media_type;
        link.dataset.format = format.name;
        downloads.append(link);
      }
      if (source.kind === "sparql") {
        const permalink = el("a", "permalink", "Link to this query");
        permalink.href = endpoint + "?" + new URLSearchParams({ query: source.query }).toString();
        permalink.title = "Opens this page with the query and runs it";
        downloads.append(permalink);
      }
      downloads.hidden = false;
    }

    // ---------------------------------------------------------------- start

    updateGutter();
    if (page.dataset.autorun === "true" && editor.value.trim()) runEditorQuery();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
