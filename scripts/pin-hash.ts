// npm run pin-hash -- <PIN>: prints the value for the config's technicianPinHash. The PIN itself is never stored.
import { hashPin } from '../src-main/services/pin-hash';

const USAGE = 'usage: npm run pin-hash -- <4 to 12 digits>   (prints the value for the config field technicianPinHash)';
const pin = process.argv[2] ?? '';
if (pin === '--help' || pin === '-h') {
  console.log(USAGE);
  process.exit(0);
}
if (!/^[0-9]{4,12}$/.test(pin) || process.argv.length > 3) {
  console.error(`pin-hash: expected one PIN of 4 to 12 digits (${USAGE})`);
  process.exit(2);
}
console.log(hashPin(pin));
