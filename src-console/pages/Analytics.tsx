import { useEffect, useRef, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { api, type Kiosk, type Size } from '../api';
import './analytics.css';
import { useError } from './util';

/** As GET /console/api/analytics answers (src-server/services/analytics.ts). */
export interface AnalyticsData {
  kioskId: string | null;
  days: string[];
  capacity: Record<Size, number>;
  utilisation: Record<Size, { occupied: number[]; share: (number | null)[] }>;
  dwell: { label: string; count: number }[];
  expiry: { pickedUp: number[]; expired: number[]; rate: (number | null)[] };
  failedCodes: { kioskId: string; failed: number; pickups: number; rate: number | null }[];
}

const SIZES: Size[] = ['S', 'M', 'L', 'XL'];
// Distinguishable for common colour-vision deficiencies (Okabe–Ito), with dashes too so colour is not the only cue.
const COLOURS: Record<Size, string> = { S: '#0072B2', M: '#D55E00', L: '#009E73', XL: '#CC79A7' };
const DASH: Record<Size, number[]> = { S: [], M: [8, 4], L: [2, 3], XL: [10, 3, 2, 3] };
const pct = (v: number | null) => (v === null ? '—' : `${Math.round(v * 100)} %`);
const dayTs = (d: string) => Date.parse(d + 'T00:00:00Z') / 1000;

/**
 * One uPlot chart, drawn into a canvas (uPlot sets sizes through element.style, which the console's CSP allows: no
 * inline style attributes, no eval). The chart is decoration for sighted readers: each has its numbers as a table.
 */
function Chart({ label, opts, data }: { label: string; opts: Omit<uPlot.Options, 'width' | 'height'>; data: uPlot.AlignedData }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const width = () => Math.max(280, Math.min(el.clientWidth, 900));
    const plot = new uPlot({ ...opts, width: width(), height: 260 }, data, el);
    // The grid column changes with the window: redraw at the new width (a canvas does not reflow by itself).
    const seen = new ResizeObserver(() => plot.setSize({ width: width(), height: 260 }));
    seen.observe(el);
    return () => {
      seen.disconnect();
      plot.destroy();
    };
  }, [opts, data]);
  return <div className="chart" ref={box} role="img" aria-label={label} />;
}

function Utilisation({ a }: { a: AnalyticsData }) {
  const sizes = SIZES.filter((s) => a.capacity[s] > 0);
  const opts: Omit<uPlot.Options, 'width' | 'height'> = {
    scales: { y: { range: [0, 100] } },
    axes: [{}, { label: '% occupied', values: (_u, v) => v.map((x) => `${x}`) }],
    series: [{}, ...sizes.map((s) => ({ label: `Size ${s}`, stroke: COLOURS[s], dash: DASH[s], width: 2, value: (_u: uPlot, v: number | null) => (v === null ? '—' : `${v} %`) }))],
  };
  const data: uPlot.AlignedData = [a.days.map(dayTs), ...sizes.map((s) => a.utilisation[s].share.map((v) => (v === null ? null : Math.round(v * 100))))];
  return (
    <section aria-labelledby="an-util">
      <h2 id="an-util">Utilisation per size</h2>
      <p className="hint">Parcels in a compartment at the end of each day (UTC), as a share of that size’s compartments.</p>
      <Chart label="Utilisation per size over time (the table below has the numbers)" opts={opts} data={data} />
      <table>
        <caption>Utilisation per size at each day’s end</caption>
        <thead>
          <tr>
            <th scope="col">Day</th>
            {sizes.map((s) => (
              <th scope="col" key={s}>
                {s} ({a.capacity[s]})
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {a.days.map((d, i) => (
            <tr key={d}>
              <th scope="row">{d}</th>
              {sizes.map((s) => (
                <td key={s}>
                  {a.utilisation[s].occupied[i]} · {pct(a.utilisation[s].share[i] ?? null)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function Dwell({ a }: { a: AnalyticsData }) {
  const bars = uPlot.paths.bars!({ size: [0.6, 80] });
  const opts: Omit<uPlot.Options, 'width' | 'height'> = {
    scales: { x: { time: false, range: [-0.5, a.dwell.length - 0.5] } },
    axes: [
      { values: (_u, v) => v.map((x) => a.dwell[x]?.label ?? ''), incrs: [1] },
      { label: 'parcels', incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000] },
    ],
    series: [{}, { label: 'Picked up', stroke: COLOURS.S, fill: '#0072B255', paths: bars, points: { show: false } }],
  };
  const data: uPlot.AlignedData = [a.dwell.map((_, i) => i), a.dwell.map((b) => b.count)];
  return (
    <section aria-labelledby="an-dwell">
      <h2 id="an-dwell">Dwell time (deposit → pickup)</h2>
      <Chart label="Dwell time distribution (the table below has the numbers)" opts={opts} data={data} />
      <table>
        <caption>Picked-up parcels by dwell time</caption>
        <thead>
          <tr>
            <th scope="col">Dwell time</th>
            <th scope="col">Parcels</th>
          </tr>
        </thead>
        <tbody>
          {a.dwell.map((b) => (
            <tr key={b.label}>
              <th scope="row">{b.label}</th>
              <td>{b.count}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function Expiry({ a }: { a: AnalyticsData }) {
  const opts: Omit<uPlot.Options, 'width' | 'height'> = {
    scales: { y: { range: [0, 100] } },
    axes: [{}, { label: '% expired' }],
    series: [{}, { label: 'Expiry rate', stroke: COLOURS.M, width: 2, value: (_u: uPlot, v: number | null) => (v === null ? '—' : `${v} %`) }],
  };
  const data: uPlot.AlignedData = [a.days.map(dayTs), a.expiry.rate.map((v) => (v === null ? null : Math.round(v * 100)))];
  return (
    <section aria-labelledby="an-expiry">
      <h2 id="an-expiry">Expiry rate</h2>
      <p className="hint">Parcels not picked up in time, of all that left the waiting state that day.</p>
      <Chart label="Expiry rate per day (the table below has the numbers)" opts={opts} data={data} />
      <table>
        <caption>Pickups and expiries per day</caption>
        <thead>
          <tr>
            <th scope="col">Day</th>
            <th scope="col">Picked up</th>
            <th scope="col">Expired</th>
            <th scope="col">Expiry rate</th>
          </tr>
        </thead>
        <tbody>
          {a.days.map((d, i) => (
            <tr key={d}>
              <th scope="row">{d}</th>
              <td>{a.expiry.pickedUp[i]}</td>
              <td>{a.expiry.expired[i]}</td>
              <td>{pct(a.expiry.rate[i] ?? null)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function FailedCodes({ a }: { a: AnalyticsData }) {
  return (
    <section aria-labelledby="an-failed">
      <h2 id="an-failed">Failed-code rate per kiosk</h2>
      <p className="hint">Wrong code entries (keypad and QR) the kiosks reported, of all pickup attempts.</p>
      {a.failedCodes.length === 0 ? (
        <p>No pickups and no wrong codes in this range.</p>
      ) : (
        <table>
          <caption>Failed codes per kiosk, highest rate first</caption>
          <thead>
            <tr>
              <th scope="col">Kiosk</th>
              <th scope="col">Wrong codes</th>
              <th scope="col">Pickups</th>
              <th scope="col">Failed-code rate</th>
            </tr>
          </thead>
          <tbody>
            {a.failedCodes.map((k) => (
              <tr key={k.kioskId}>
                <th scope="row">{k.kioskId}</th>
                <td>{k.failed}</td>
                <td>{k.pickups}</td>
                <td>
                  <meter min={0} max={1} value={k.rate ?? 0} aria-hidden="true" /> {pct(k.rate)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** Analytics: fleet-wide or one kiosk, over the last N days (issue 12, ADR analytics-notifications). */
export function AnalyticsPage() {
  const [kiosks, setKiosks] = useState<Kiosk[]>([]);
  const [kiosk, setKiosk] = useState('');
  const [days, setDays] = useState(14);
  const [data, setData] = useState<AnalyticsData | null>(null);
  const [error, report, clear] = useError();

  useEffect(() => {
    api<{ kiosks: Kiosk[] }>('GET', 'kiosks')
      .then((r) => setKiosks(r.kiosks))
      .catch(report);
  }, [report]);
  useEffect(() => {
    clear();
    const q = new URLSearchParams({ days: String(days), ...(kiosk ? { kiosk } : {}) });
    api<AnalyticsData>('GET', `analytics?${q.toString()}`)
      .then(setData)
      .catch(report);
  }, [kiosk, days, report, clear]);

  return (
    <div className="analytics">
      <form className="filters" onSubmit={(e) => e.preventDefault()}>
        <label htmlFor="an-kiosk">Kiosk</label>
        <select id="an-kiosk" value={kiosk} onChange={(e) => setKiosk(e.target.value)}>
            <option value="">All kiosks (fleet-wide)</option>
            {kiosks.map((k) => (
              <option key={k.kioskId} value={k.kioskId}>
                {k.kioskId}
              </option>
            ))}
        </select>
        <label htmlFor="an-range">Range</label>
        <select id="an-range" value={days} onChange={(e) => setDays(Number(e.target.value))}>
            {[7, 14, 30, 60].map((n) => (
              <option key={n} value={n}>
                last {n} days
              </option>
            ))}
        </select>
      </form>
      {error && <p role="alert">{error}</p>}
      {data && (
        <div className="charts" aria-live="polite">
          <Utilisation a={data} />
          <Dwell a={data} />
          <Expiry a={data} />
          <FailedCodes a={data} />
        </div>
      )}
    </div>
  );
}
