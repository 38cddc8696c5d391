// Compiles ledger_config/contracts/*.sol with the pinned npm `solc` into
// ledger_config/ler_contracts/artifacts/<Contract>.json (ABI + bytecode), so that nothing at run time
// needs Node. `node compile.mjs --check` recompiles into memory and exits 1 if a committed artifact drifted.
//
// It also writes artifacts/build-stamp.json: the solc version, the settings, the SHA-256 of this
// script, of every source solc read (ours and OpenZeppelin's) and of every artifact written. The
// test suite checks the stamp against the files on disk instead of recompiling: solc is
// deterministic, so matching inputs and outputs mean the artifacts are a fresh compile's.
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const solc = require("solc");

const here = path.dirname(fileURLToPath(import.meta.url));
const contractsDir = path.join(here, "contracts");
const artifactsDir = path.join(here, "ler_contracts", "artifacts");
// The Besu genesis (ler-node ledger genesis) enables the same milestone; keep them in step.
export const EVM_VERSION = "shanghai";
const DEPLOYABLE = ["LerRoles", "DidRegistry", "AnonCredsRegistry", "AccreditationRegistry", "StatusListRegistry"];

function listSources(dir, prefix = "") {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const rel = path.posix.join(prefix, entry.name);
    if (entry.isDirectory()) return listSources(path.join(dir, entry.name), rel);
    return entry.name.endsWith(".sol") ? [rel] : [];
  });
}

const sha256 = (text) => createHash("sha256").update(text).digest("hex");
const sorted = (object) => Object.fromEntries(Object.entries(object).sort(([a], [b]) => (a < b ? -1 : 1)));
const importedHashes = {};

function findImports(importPath) {
  try {
    const contents = fs.readFileSync(require.resolve(importPath), "utf8");
    importedHashes[importPath] = sha256(contents);
    return { contents };
  } catch {
    const local = path.join(contractsDir, importPath);
    if (fs.existsSync(local)) return { contents: fs.readFileSync(local, "utf8") };
    return { error: `import not found: ${importPath}` };
  }
}

function compile() {
  const sources = Object.fromEntries(
    listSources(contractsDir).sort().map((rel) => [rel, { content: fs.readFileSync(path.join(contractsDir, rel), "utf8") }]),
  );
  const input = {
    language: "Solidity",
    sources,
    settings: {
      evmVersion: EVM_VERSION,
      optimizer: { enabled: true, runs: 200 },
      metadata: { bytecodeHash: "none" },
      outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } },
    },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));
  const errors = (output.errors || []).filter((e) => e.severity === "error");
  // Report errors, and warnings about our own sources (not about OpenZeppelin's).
  for (const e of output.errors || []) {
    if (e.severity === "error" || Object.hasOwn(sources, e.sourceLocation?.file)) {
      process.stderr.write(e.formattedMessage + "\n");
    }
  }
  if (errors.length) process.exit(2);
  const artifacts = {};
  for (const [file, contracts] of Object.entries(output.contracts)) {
    for (const [name, c] of Object.entries(contracts)) {
      if (!DEPLOYABLE.includes(name) || !Object.hasOwn(sources, file)) continue;
      artifacts[name] = {
        contractName: name,
        sourceName: file,
        compiler: { solc: solc.version(), evmVersion: EVM_VERSION, optimizerRuns: 200 },
        abi: c.abi,
        bytecode: "0x" + c.evm.bytecode.object,
      };
    }
  }
  const sourceHashes = Object.fromEntries(Object.entries(sources).map(([rel, { content }]) => [rel, sha256(content)]));
  return { artifacts, settings: input.settings, sourceHashes, importHashes: sorted(importedHashes) };
}

function stampOf(settings, sourceHashes, importHashes, texts) {
  const stamp = {
    comment: "Written by compile.mjs (make contracts); tests/ledger/test_artifacts.py checks it. Do not edit.",
    solc: solc.version(),
    settings,
    compileScript: sha256(fs.readFileSync(fileURLToPath(import.meta.url), "utf8")),
    sources: sourceHashes, // ledger_config/contracts/<path>
    imports: importHashes, // ledger_config/node_modules/<path>
    artifacts: sorted(Object.fromEntries(Object.entries(texts).map(([file, text]) => [file, sha256(text)]))),
  };
  return JSON.stringify(stamp, null, 2) + "\n";
}

const { artifacts, settings, sourceHashes, importHashes } = compile();
const check = process.argv.includes("--check");
let drift = 0;
fs.mkdirSync(artifactsDir, { recursive: true });
const texts = {};
for (const name of DEPLOYABLE) {
  if (!artifacts[name]) throw new Error(`contract ${name} was not compiled`);
  texts[`${name}.json`] = JSON.stringify(artifacts[name], null, 2) + "\n";
}
texts["build-stamp.json"] = stampOf(settings, sourceHashes, importHashes, texts);
for (const [base, text] of Object.entries(texts)) {
  const file = path.join(artifactsDir, base);
  if (check) {
    const committed = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
    if (committed !== text) {
      process.stderr.write(`artifact drift: ${path.relative(process.cwd(), file)} differs from a fresh compile\n`);
      drift += 1;
    }
  } else {
    fs.writeFileSync(file, text);
    const name = base.replace(/\.json$/, "");
    const size = artifacts[name] ? ` (${artifacts[name].bytecode.length / 2 - 1} bytes)` : "";
    process.stdout.write(`wrote ${path.relative(process.cwd(), file)}${size}\n`);
  }
}
if (check) {
  if (drift) {
    process.stderr.write("run `make contracts` and commit the artifacts\n");
    process.exit(1);
  }
  process.stdout.write(`artifacts match solc ${solc.version()} (evmVersion ${EVM_VERSION})\n`);
}
