/*
 * The SPARQL query page on YASGUI (npm @triply/yasgui, served from /vendor/yasgui/): our
 * endpoint, our prefixes and our named queries, nothing fetched from elsewhere.
 *
 * Its configuration comes from the page's <script type="application/json" id="editor-config">
 * block (the pages run no inline script, see server/web/headers.py). What YASGUI would fetch
 * from other sites by default is replaced or switched off here:
 *   - prefix completion reads the data's own prefixes instead of prefix.cc;
 *   - the class and property completers (which ask the LOV service) are not enabled;
 *   - the endpoint catalogue lists this site's endpoint only, and a link's "endpoint=" is
 *     ignored: the page queries its own endpoint (connect-src 'self' would refuse others).
 * YASR's table writes each IRI into an <a href='...'> unescaped; the table here writes only
 * http(s) IRIs as links, escaped, and any other IRI (javascript:, data:) as text, as the
 * server's own pages do (urls.is_web_url).
 */
(function () {
  "use strict";

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, (c) => "&#" + c.charCodeAt(0) + ";");
  }

  // The table plugin's IRI cell, as YASR 4.2 writes it but escaped, and a link only for http(s).
  function safeIriCell(binding, prefixes) {
    const iri = binding.value;
    let shown = iri;
    let prefixed = false;
    for (const label in prefixes || {}) {
      if (iri.indexOf(prefixes[label]) === 0) {
        shown = label + ":" + iri.substring(prefixes[label].length);
        prefixed = true;
        break;
      }
    }
    const bare = prefixed || (this.persistentConfig && this.persistentConfig.compact);
    const inner = /^https?:\/\/\S+$/i.test(iri)
      ? "<a class='iri' href='" + escapeHtml(iri) + "'>" + escapeHtml(shown) + "</a>"
      : "<span class='iri' title='" + escapeHtml(iri) + "'>" + escapeHtml(shown) + "</span>";
    return bare ? inner : "&lt;" + inner + "&gt;";
  }

  function prefixCompleter(Yasqe, prefixes) {
    const builtIn = Yasqe.Autocompleters.prefixes;
    const offered = Object.keys(prefixes).sort().map((name) => name + ": <" + prefixes[name] + ">");
    // A persistenceId of its own, so no list fetched by another YASGUI of this origin is reused.
    return Object.assign({}, builtIn, { get: () => offered, persistenceId: "clip-kg-prefixes" });
  }

  function loadExample(yasgui, item) {
    const title = item.dataset.title;
    let tab = Object.values(yasgui._tabs).find((candidate) => candidate.getName() === title);
    if (tab) {
      yasgui.selectTabId(tab.getId());
      tab = yasgui.getTab();
    } else {
      tab = yasgui.addTab(true, { name: title });
    }
    tab.getYasqe().setValue(item.dataset.query);
    tab.getYasqe().focus();
    document.querySelectorAll(".example").forEach((other) => other.classList.toggle("active", other === item));
  }

  function init() {
    const host = document.getElementById("yasgui");
    const block = document.getElementById("editor-config");
    if (!host || !block || typeof window.Yasgui !== "function") return;
    const config = JSON.parse(block.textContent);
    const Yasgui = window.Yasgui;
    // The endpoint on the page's own origin: the server's idea of its absolute URL can be wrong
    // behind a proxy (http for https, an internal host name), the page's address is not.
    const endpoint = window.location.origin + new URL(config.endpoint, window.location.href).pathname;

    Yasgui.Yasqe.registerAutocompleter(prefixCompleter(Yasgui.Yasqe, config.prefixes));
    // Set on the defaults, not only passed below: YASGUI merges arrays index by index, so a
    // shorter list given to it would keep the defaults' "property" and "class" (LOV) completers.
    const completers = ["prefixes", "variables"];
    Yasgui.Yasqe.defaults.autocompleters = completers;
    Yasgui.defaults.yasqe.autocompleters = completers;
    Yasgui.Yasr.plugins.table.prototype.getUriLinkFromBinding = safeIriCell;

    const requestConfig = { endpoint: endpoint, method: config.method };
    const yasgui = new Yasgui(host, {
      persistenceId: config.persistenceId,
      tabName: "Query",
      copyEndpointOnNewTab: false,
      requestConfig: requestConfig,
      endpointCatalogueOptions: Object.assign({}, Yasgui.defaults.endpointCatalogueOptions, {
        getData: () => [{ endpoint: endpoint }],
      }),
      // A link (?query=…) opens its query in a tab and runs it, always on this endpoint.
      populateFromUrl: (fromUrl) => {
        fromUrl.requestConfig = Object.assign({}, fromUrl.requestConfig, requestConfig);
        return fromUrl;
      },
      yasqe: {
        value: config.defaultQuery,
        autocompleters: completers,
        resizeable: true,
        editorHeight: "300px",
      },
      yasr: {
        prefixes: config.prefixes,
        pluginOrder: config.plugins,
        defaultPlugin: "table",
        persistenceId: null,
      },
    });
    // Tabs kept from an earlier visit ask this endpoint too, whatever they were set to.
    Object.values(yasgui._tabs).forEach((tab) => {
      tab.setEndpoint(endpoint);
      tab.setRequestConfig({ method: config.method });
    });
    window.clipYasgui = yasgui; // for the browser tests and the curious

    document.querySelectorAll(".example").forEach((item) => {
      item.querySelector(".example-load").addEventListener("click", () => loadExample(yasgui, item));
    });
    window.clipEditorReadyAt = performance.now(); // when the page became usable, for the browser tests
    document.documentElement.classList.add("editor-ready");
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
