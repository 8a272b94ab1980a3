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

  // ------------------------------------------------------------------ the map view
  // YASR 4.2 has no map of its own (its geo plugins are separate packages that load map tiles
  // from other sites); this one draws an answer's latitude/longitude columns (geo:lat,
  // geo:long) as points over Natural Earth country outlines (npm world-atlas, served from
  // /vendor/), offline, as SVG built element by element.
  const SVG = "http://www.w3.org/2000/svg";
  const LATITUDE = /^(lat|latitude)$|_?lat$/i;
  const LONGITUDE = /^(long|lon|lng|longitude)$|_?(long|lon|lng)$/i;

  function svg(tag, attributes, text) {
    const node = document.createElementNS(SVG, tag);
    for (const name in attributes) node.setAttribute(name, String(attributes[name]));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function number(term) {
    const value = term && term.type !== "uri" ? Number(term.value) : NaN;
    return Number.isFinite(value) ? value : null;
  }

  // The answer's points: [longitude, latitude, label, link] for every row with both numbers.
  function pointsOf(results) {
    if (!results || !results.getVariables || !results.getBindings) return [];
    const vars = results.getVariables() || [];
    const lat = vars.find((name) => LATITUDE.test(name));
    const long = vars.find((name) => LONGITUDE.test(name));
    if (!lat || !long) return [];
    const points = [];
    for (const row of results.getBindings() || []) {
      const y = number(row[lat]);
      const x = number(row[long]);
      if (x === null || y === null || Math.abs(y) > 90 || Math.abs(x) > 180) continue;
      const iri = vars.map((name) => row[name]).find((term) => term && term.type === "uri");
      const literal = vars.filter((name) => name !== lat && name !== long).map((name) => row[name])
        .find((term) => term && term.type !== "uri" && number(term) === null);
      const link = iri && /^https?:\/\/\S+$/i.test(iri.value) ? iri.value : null;
      points.push([x, y, literal ? literal.value : iri ? iri.value : "", link]);
    }
    return points;
  }

  // TopoJSON (world-atlas) → countries as lists of rings of [longitude, latitude].
  function countriesOf(topology) {
    const scale = topology.transform.scale;
    const shift = topology.transform.translate;
    const arcs = topology.arcs.map((arc) => {
      let x = 0;
      let y = 0;
      return arc.map((delta) => {
        x += delta[0];
        y += delta[1];
        return [x * scale[0] + shift[0], y * scale[1] + shift[1]];
      });
    });
    const ring = (indexes) => {
      const points = [];
      for (const index of indexes) {
        const arc = index >= 0 ? arcs[index] : arcs[~index].slice().reverse();
        arc.forEach((point, k) => {
          if (k > 0 || points.length === 0) points.push(point);
        });
      }
      return points;
    };
    const countries = [];
    for (const geometry of topology.objects.countries.geometries) {
      const polygons = geometry.type === "Polygon" ? [geometry.arcs] : geometry.type === "MultiPolygon" ? geometry.arcs : [];
      countries.push({ name: (geometry.properties || {}).name || "", rings: [].concat(...polygons.map((p) => p.map(ring))) });
    }
    return countries;
  }

  // The box around the points, padded, at least 8° high, about 16:10, in projected units.
  function frameOf(points) {
    const xs = points.map((p) => p[0]);
    const ys = points.map((p) => p[1]);
    const middle = (Math.min(...ys) + Math.max(...ys)) / 2;
    const k = Math.cos((middle * Math.PI) / 180); // equirectangular, true to scale at the middle latitude
    let width = (Math.max(...xs) - Math.min(...xs)) * k;
    let height = Math.max(...ys) - Math.min(...ys);
    width = Math.max(width * 1.15, 8 * 1.6);
    height = Math.max(height * 1.15, 8);
    if (width / height < 1.6) width = height * 1.6;
    else height = width / 1.6;
    const cx = ((Math.min(...xs) + Math.max(...xs)) / 2) * k;
    const cy = -middle;
    return { k: k, x: cx - width / 2, y: cy - height / 2, width: width, height: height };
  }

  function drawMap(container, points, countries) {
    const frame = frameOf(points);
    const unit = frame.height / 100;
    const map = svg("svg", {
      class: "clip-map",
      viewBox: [frame.x, frame.y, frame.width, frame.height].map((v) => v.toFixed(3)).join(" "),
      role: "img",
      "aria-label": "Map of " + points.length + " results by latitude and longitude",
    });
    map.append(svg("rect", { class: "sea", x: frame.x, y: frame.y, width: frame.width, height: frame.height }));
    const xy = (p) => (p[0] * frame.k).toFixed(3) + "," + (-p[1]).toFixed(3);
    for (const country of countries || []) {
      const d = country.rings.map((r) => "M" + r.map(xy).join("L") + "Z").join("");
      const shape = svg("path", { class: "country", d: d, "stroke-width": (unit * 0.15).toFixed(4) });
      shape.append(svg("title", {}, country.name));
      map.append(shape);
    }
    const labelled = points.length <= 60;
    for (const [x, y, label, link] of points) {
      const group = link ? svg("a", { href: link, class: "point" }) : svg("g", { class: "point" });
      group.append(svg("circle", { cx: x * frame.k, cy: -y, r: unit * 0.9, "stroke-width": unit * 0.25 }));
      group.append(svg("title", {}, label + " (" + y + ", " + x + ")"));
      if (labelled && label) {
        group.append(svg("text", { x: x * frame.k + unit * 1.4, y: -y + unit * 0.9, "font-size": unit * 2.6, "stroke-width": unit * 0.5 }, label));
      }
      map.append(group);
    }
    const figure = document.createElement("figure");
    figure.className = "clip-map-figure";
    const caption = document.createElement("figcaption");
    caption.textContent = points.length + " point" + (points.length === 1 ? "" : "s") + " by latitude and longitude" +
      (countries ? "; country outlines: Natural Earth 1:110m (world-atlas)" : "; country outlines not installed");
    figure.append(map, caption);
    container.append(figure);
  }

  function mapPlugin(outlinesUrl) {
    let outlines = null; // fetched once, on the first map drawn
    function MapView(yasr) {
      this.yasr = yasr;
      this.priority = 5;
      this.label = "Map";
    }
    MapView.prototype.canHandleResults = function () {
      return pointsOf(this.yasr.results).length > 0;
    };
    MapView.prototype.getIcon = function () {
      const icon = document.createElement("span");
      icon.className = "clip-map-icon";
      icon.textContent = "◎";
      return icon;
    };
    MapView.prototype.draw = function () {
      const points = pointsOf(this.yasr.results);
      if (outlinesUrl && outlines === null) {
        outlines = fetch(outlinesUrl, { credentials: "same-origin" })
          .then((response) => (response.ok ? response.json() : Promise.reject(new Error(response.statusText))))
          .then(countriesOf)
          .catch(() => null); // points without outlines rather than no map
      }
      return Promise.resolve(outlines).then((countries) => drawMap(this.yasr.resultsEl, points, countries));
    };
    return MapView;
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
    Yasgui.Yasr.registerPlugin("map", mapPlugin(config.outlines));

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
    yasgui.on("queryResponse", () => setTimeout(() => accessible(yasgui), 0));
    accessible(yasgui);
    ["tabAdd", "tabChange", "tabSelect"].forEach((event) => yasgui.on(event, () => setTimeout(() => accessible(yasgui), 0)));

    document.querySelectorAll(".example").forEach((item) => {
      item.querySelector(".example-load").addEventListener("click", () => loadExample(yasgui, item));
    });
    window.clipEditorReadyAt = performance.now(); // when the page became usable, for the browser tests
    document.documentElement.classList.add("editor-ready");
  }

  // What YASGUI leaves out for screen readers (axe-core finds it): names for the editor's
  // text field and the table's page-size menu, and a tab list whose only children are tabs
  // (its "+" button sits in it).
  function accessible(yasgui) {
    document.querySelectorAll(".CodeMirror textarea").forEach((field) => {
      field.setAttribute("aria-label", "SPARQL query");
    });
    document.querySelectorAll(".yasr select.tableSizer").forEach((select) => {
      select.setAttribute("aria-label", "Rows per page");
    });
    document.querySelectorAll(".tabsList .addTab").forEach((button) => {
      button.parentElement.setAttribute("role", "none");
      button.setAttribute("role", "tab");
      button.setAttribute("aria-selected", "false");
    });
    return yasgui;
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
