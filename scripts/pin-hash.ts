// npm run pin-hash -- <PIN>: prints the value for the config's technicianPinHash. The PIN itself is never stored.
import { hashPin } from '../src-main/services/pin-hash';

const pin = process.argv[2] ?? '';
if (!/^[0-9]{4,12}$/.test(pin)) {
  console.error('usage: npm run pin-hash -- <4 to 12 digits>');
  process.exit(2);
}
console.log(hashPin(pin));
