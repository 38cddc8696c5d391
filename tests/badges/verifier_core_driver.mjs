// Verifies one credential (JSON on stdin) with @digitalcredentials/verifier-core, the library
// behind DCC's VerifierPlus, and prints its answer as JSON (without the credential echoed back).
// Usage: LER_NODE_MODULES=ledger_config/node_modules node verifier_core_driver.mjs < vc.json
// did:web documents and status lists are fetched live (https; NODE_EXTRA_CA_CERTS for a test CA).
import path from "node:path";
import { pathToFileURL } from "node:url";

const modules = process.env.LER_NODE_MODULES;
if (!modules) {
  console.error("set LER_NODE_MODULES to ledger_config/node_modules");
  process.exit(2);
}
const entry = path.join(modules, "@digitalcredentials", "verifier-core", "dist", "index.js");
const { verifyCredential } = await import(pathToFileURL(entry).href);
console.log = (...args) => console.error(...args); // its diagnostics go to stderr; stdout is JSON

let input = "";
for await (const chunk of process.stdin) input += chunk;
const credential = JSON.parse(input);
// Issuer registries as verifier-core takes them, e.g. the state's:
// [{"type": "dcc-legacy", "name": "...", "url": "http://127.0.0.1:PORT/registry/issuers.json"}]
const knownDIDRegistries = JSON.parse(process.env.LER_KNOWN_DID_REGISTRIES || "[]");
const result = await verifyCredential({ credential, knownDIDRegistries });
delete result.credential;
const plain = JSON.parse(
  JSON.stringify(result, (key, value) => (value instanceof Error ? { name: value.name, message: value.message } : value)),
);
process.stdout.write(JSON.stringify(plain) + "\n");
