#!/usr/bin/env node
// Copies the browser files the templates use from node_modules/ into xiuhao/static/vendor/.
// Plain Node, no bundler, no network. Idempotent: the vendor folder is rebuilt from scratch
// each run, so a file dropped from the list below also disappears from static/.
//
// Usage (after `npm ci --no-audit --no-fund`):  node scripts/build_assets.mjs
//
// - Source-map comments are stripped, because no .map files are shipped and Django's
//   ManifestStaticFilesStorage would otherwise fail on the missing maps at collectstatic.
// - Every relative url(...) in a copied CSS file (fonts, images) is copied too, at the same
//   relative path, so the stylesheet works unchanged.

import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const NODE_MODULES = path.join(ROOT, "node_modules");
const VENDOR = path.join(ROOT, "xiuhao", "static", "vendor");

// [npm package, destination folder under vendor/, [[source path in package, destination path]]]
const ASSETS = [
  ["htmx.org", "htmx", [["dist/htmx.min.js", "htmx.min.js"]]],
  // CSP build of Alpine: no eval / new Function, so it runs under script-src 'self' + nonce.
  ["@alpinejs/csp", "alpine", [["dist/cdn.min.js", "alpine-csp.min.js"]]],
  [
    "@tabler/core",
    "tabler",
    [
      ["dist/css/tabler.min.css", "css/tabler.min.css"],
      ["dist/js/tabler.min.js", "js/tabler.min.js"], // includes Bootstrap 5's JS
    ],
  ],
  ["@tabler/icons-webfont", "tabler-icons", [["dist/tabler-icons.min.css", "tabler-icons.min.css"]]],
  ["weui", "weui", [["dist/style/weui.min.css", "weui.min.css"]]],
  ["echarts", "echarts", [["dist/echarts.min.js", "echarts.min.js"]]],
  [
    "leaflet",
    "leaflet",
    [
      ["dist/leaflet.js", "leaflet.js"],
      ["dist/leaflet.css", "leaflet.css"],
      // marker icons are looked up by leaflet.js itself, not only through the CSS
      ["dist/images", "images"],
    ],
  ],
  [
    "leaflet.markercluster",
    "leaflet.markercluster",
    [
      ["dist/leaflet.markercluster.js", "leaflet.markercluster.js"],
      ["dist/MarkerCluster.css", "MarkerCluster.css"],
      ["dist/MarkerCluster.Default.css", "MarkerCluster.Default.css"],
    ],
  ],
  ["signature_pad", "signature_pad", [["dist/signature_pad.umd.min.js", "signature_pad.umd.min.js"]]],
  [
    "bpmn-js",
    "bpmn-js",
    [
      ["dist/bpmn-viewer.production.min.js", "bpmn-viewer.production.min.js"],
      ["dist/assets/diagram-js.css", "assets/diagram-js.css"],
      ["dist/assets/bpmn-js.css", "assets/bpmn-js.css"],
      ["dist/assets/bpmn-font/css/bpmn.css", "assets/bpmn-font/css/bpmn.css"],
    ],
  ],
];

const LICENSE_NAMES = ["LICENSE", "LICENSE.md", "LICENSE.txt", "license", "LICENSE-MIT", "MIT-LICENCE.txt"];
const SOURCE_MAP_JS = /^\s*\/\/[#@]\s*sourceMappingURL=\S*\s*$/gm;
const SOURCE_MAP_CSS = /\/\*[#@]\s*sourceMappingURL=[^*]*\*\//g;
const CSS_URL = /url\(\s*(['"]?)([^'")]+)\1\s*\)/g;

function fail(message) {
  console.error(`build_assets: ${message}`);
  process.exit(1);
}

function packageDir(name) {
  const dir = path.join(NODE_MODULES, name);
  if (!fs.existsSync(path.join(dir, "package.json"))) {
    fail(`${name} is not installed; run \`npm ci --no-audit --no-fund\` first`);
  }
  return dir;
}

function isLocalUrl(url) {
  return !/^(data:|#|%23|[a-z][a-z0-9+.-]*:|\/)/i.test(url);
}

let fileCount = 0;
let byteCount = 0;

function writeFile(dest, content) {
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  fs.writeFileSync(dest, content);
  fileCount += 1;
  byteCount += Buffer.byteLength(content);
}

function copyCss(src, dest, copied) {
  const css = fs.readFileSync(src, "utf8").replace(SOURCE_MAP_CSS, "");
  writeFile(dest, css);
  for (const match of css.matchAll(CSS_URL)) {
    const url = match[2].trim();
    if (!isLocalUrl(url)) continue;
    const relative = url.split(/[?#]/)[0];
    const assetSrc = path.resolve(path.dirname(src), relative);
    const assetDest = path.resolve(path.dirname(dest), relative);
    if (copied.has(assetDest)) continue;
    if (!fs.existsSync(assetSrc)) fail(`${src} refers to missing ${url}`);
    copied.add(assetDest);
    copyFile(assetSrc, assetDest, copied);
  }
}

function copyFile(src, dest, copied) {
  const ext = path.extname(src).toLowerCase();
  if (ext === ".css") return copyCss(src, dest, copied);
  if (ext === ".js" || ext === ".mjs") {
    return writeFile(dest, fs.readFileSync(src, "utf8").replace(SOURCE_MAP_JS, ""));
  }
  writeFile(dest, fs.readFileSync(src));
}

function copyTree(src, dest, copied) {
  if (fs.statSync(src).isDirectory()) {
    for (const entry of fs.readdirSync(src).sort()) {
      if (entry.endsWith(".map")) continue;
      copyTree(path.join(src, entry), path.join(dest, entry), copied);
    }
  } else {
    copied.add(dest);
    copyFile(src, dest, copied);
  }
}

function main() {
  const versions = {};
  const plan = ASSETS.map(([name, folder, files]) => [name, folder, files, packageDir(name)]);

  fs.rmSync(VENDOR, { recursive: true, force: true });
  for (const [name, folder, files, dir] of plan) {
    const destRoot = path.join(VENDOR, folder);
    const copied = new Set();
    for (const [from, to] of files) {
      const src = path.join(dir, from);
      if (!fs.existsSync(src)) fail(`${name}: ${from} not found (did the package layout change?)`);
      copyTree(src, path.join(destRoot, to), copied);
    }
    const license = LICENSE_NAMES.map((n) => path.join(dir, n)).find((p) => fs.existsSync(p));
    if (license) copyFile(license, path.join(destRoot, "LICENSE"), copied);
    versions[name] = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")).version;
  }
  writeFile(path.join(VENDOR, "versions.json"), JSON.stringify(versions, null, 2) + "\n");
  const size = (byteCount / 1024 / 1024).toFixed(1);
  console.log(`build_assets: ${fileCount} files, ${size} MiB -> ${path.relative(ROOT, VENDOR)}/`);
}

main();
