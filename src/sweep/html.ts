/**
 * `sweep.html`: the sweep as one self-contained page (inline CSS, SVG and script; nothing fetched, so it
 * opens offline from the file system): the outcome, validation-accuracy curves of every trial, final
 * validation accuracy against each swept hyperparameter, and a sortable table. Hovering a trial anywhere
 * highlights it everywhere. Pure code.
 */
import { type Axis, type Series, accuracyRange, esc, lineChart, scatterChart } from './charts.js';
import type { TrialConfig } from './space.js';
import type { SweepRecord, TrialRecord } from './types.js';

const pct = (x: number | undefined): string => (x !== undefined && Number.isFinite(x) ? `${(100 * x).toFixed(2)} %` : '–');
const num = (x: number | undefined, digits = 4): string => (x !== undefined && Number.isFinite(x) ? x.toFixed(digits) : '–');

/** The knobs the report can plot and tabulate, in order. */
const KNOBS: readonly { key: keyof TrialConfig; label: string; scale: Axis['scale'] }[] = [
  { key: 'lr', label: 'learning rate', scale: 'log' },
  { key: 'batchSize', label: 'batch size', scale: 'log' },
  { key: 'epochs', label: 'epochs', scale: 'linear' },
  { key: 'recipe', label: 'recipe', scale: 'category' },
  { key: 'lrSchedule', label: 'lr schedule', scale: 'category' },
  { key: 'augment', label: 'augment', scale: 'category' },
];

const knobText = (c: TrialConfig, key: keyof TrialConfig): string => {
  const v = c[key];
  if (key === 'lrSchedule') return String(v ?? 'constant');
  if (key === 'augment') return v === true ? 'on' : 'off';
  return String(v);
};

export const epochsText = (n: number): string => `${n} epoch${n === 1 ? '' : 's'}`;

const last = (t: TrialRecord): TrialRecord['epochs'][number] | undefined => t.epochs[t.epochs.length - 1];

export function describeTrial(t: TrialRecord): string {
  const c = t.config;
  return `${t.id}: lr ${c.lr}, batch ${c.batchSize}, ${epochsText(c.epochs)}, recipe ${c.recipe}` +
    `${c.lrSchedule ? `, ${c.lrSchedule}` : ''}${c.augment !== undefined ? `, augment ${c.augment ? 'on' : 'off'}` : ''}, seed ${t.seed}`;
}

function kindOf(t: TrialRecord, record: SweepRecord): Series['kind'] {
  if (t.status === 'failed') return 'failed';
  if (record.outcome?.chosen.trialIds.includes(t.id)) return 'chosen';
  if (record.outcome?.baseline.trialIds.includes(t.id)) return 'baseline';
  return 'other';
}

function outcomeHtml(record: SweepRecord): string {
  const o = record.outcome;
  if (!o) {
    return `<p class="note">${record.status === 'interrupted' ? 'Interrupted: run the same command again to continue.' : record.status === 'running' ? 'Running…' : 'No trial finished: nothing to choose.'}</p>`;
  }
  const c = o.chosen.config;
  const seeds = record.spec.space.seeds.length;
  const over = seeds > 1 ? ` (mean of ${seeds} seeds)` : '';
  return `<div class="outcome"><p><b>Chosen</b> (best validation accuracy${over}): lr ${c.lr}, batch ${c.batchSize}, ${epochsText(c.epochs)}, recipe ${esc(c.recipe)}` +
    `${c.lrSchedule ? `, ${esc(c.lrSchedule)}` : ''}${c.augment !== undefined ? `, augment ${c.augment ? 'on' : 'off'}` : ''} — validation <b>${pct(o.chosen.validationAccuracy)}</b>.</p>` +
    `<p>Test accuracy, looked at once, here: <b class="chosen-text">${pct(o.chosen.testAccuracy)}</b> for the chosen configuration, ` +
    `<b class="baseline-text">${pct(o.baseline.testAccuracy)}</b> for the seed's defaults (lr 0.001, batch 64, ${epochsText(o.baseline.config.epochs)})${over}, ` +
    `both trained on the same ${record.dataset?.train.toLocaleString('en-US') ?? '?'} images.</p></div>`;
}

function tableHtml(record: SweepRecord, knobs: typeof KNOBS): string {
  const head = ['trial', ...knobs.map((k) => k.label), 'seed', 'val acc', 'val loss', 'train loss', 'epochs run', 'time', 'status'];
  const types = ['text', ...knobs.map((k) => (k.scale === 'category' ? 'text' : 'num')), 'num', 'num', 'num', 'num', 'num', 'num', 'text'];
  const rows = record.trials.map((t) => {
    const m = last(t);
    const cells: [string, string][] = [
      [t.role === 'baseline' ? `${t.id} (defaults)` : t.id, t.id],
      ...knobs.map((k): [string, string] => [esc(knobText(t.config, k.key)), knobText(t.config, k.key)]),
      [String(t.seed), String(t.seed)],
      [pct(m?.validationAccuracy), String(m?.validationAccuracy ?? '')],
      [num(m?.validationLoss), String(m?.validationLoss ?? '')],
      [num(m?.loss), String(m?.loss ?? '')],
      [`${t.epochs.length}/${t.config.epochs}`, String(t.epochs.length)],
      [`${t.seconds.toFixed(1)} s`, String(t.seconds)],
      [t.status === 'failed' ? `failed: ${esc(t.error ?? '')}` : t.status, t.status],
    ];
    return `<tr class="${kindOf(t, record)}" data-trial="${esc(t.id)}">${cells.map(([html, v]) => `<td data-v="${esc(v)}">${html}</td>`).join('')}</tr>`;
  }).join('\n');
  return `<table id="trials"><thead><tr>${head.map((h, i) => `<th data-type="${types[i]}" title="sort">${esc(h)}</th>`).join('')}</tr></thead><tbody>\n${rows}\n</tbody></table>`;
}

function chartsHtml(record: SweepRecord, knobs: typeof KNOBS): string {
  const accs = record.trials.flatMap((t) => t.epochs.map((m) => 100 * (m.validationAccuracy ?? NaN)));
  const yRange = accuracyRange(accs);
  const finalRange = accuracyRange(record.trials.map((t) => 100 * (last(t)?.validationAccuracy ?? NaN)));
  const series: Series[] = record.trials.filter((t) => t.epochs.length > 0).map((t) => ({
    trial: t.id, label: `${describeTrial(t)}: ${pct(last(t)?.validationAccuracy)}`, kind: kindOf(t, record),
    points: t.epochs.map((m) => [m.epoch, 100 * (m.validationAccuracy ?? NaN)] as const),
  }));
  const curves = lineChart(series, { label: 'epoch', scale: 'linear', integer: true }, 'validation accuracy (%)', yRange, 'validation accuracy per epoch, every trial');
  const search = record.trials.filter((t) => t.role === 'search' && (t.status === 'done' || t.status === 'failed'));
  const scatters = knobs.map((k) => {
    const categories = k.scale === 'category' ? [...new Set(record.trials.map((t) => knobText(t.config, k.key)))] : undefined;
    const xOf = (t: TrialRecord): number => (categories ? categories.indexOf(knobText(t.config, k.key)) : Number(t.config[k.key]));
    const values = [...new Set(search.map(xOf))].sort((a, b) => a - b);
    const points: Series[] = search.map((t) => ({
      trial: t.id, label: `${describeTrial(t)}: ${t.status === 'failed' ? 'failed' : pct(last(t)?.validationAccuracy)}`, kind: kindOf(t, record),
      points: [[xOf(t), 100 * (last(t)?.validationAccuracy ?? NaN)] as const],
    }));
    return `<figure>${scatterChart(points, { label: k.label, scale: k.scale, categories, integer: k.key === 'epochs', ...(values.length <= 8 ? { ticks: values } : {}) }, 'final validation accuracy (%)', finalRange, `final validation accuracy against ${k.label}`)}<figcaption>against ${esc(k.label)}</figcaption></figure>`;
  });
  return `<figure class="wide">${curves}<figcaption>validation accuracy per epoch, every trial (y axis ${yRange[0]}–${yRange[1]} %; lower values drawn at the bottom)</figcaption></figure>${scatters.join('')}`;
}

const STYLE = `
body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#1d232a;background:#fff;max-width:1180px}
h1{font-size:20px;margin:0 0 4px}.meta{color:#56606b;margin:0 0 12px}
.outcome{border-left:4px solid #d9480f;background:#fff4e6;padding:6px 12px;margin:12px 0}.outcome p{margin:4px 0}
.chosen-text{color:#d9480f}.baseline-text{color:#1971c2}.note{color:#56606b}
.charts{display:flex;flex-wrap:wrap;gap:8px}figure{margin:0;width:460px}figcaption{text-align:center;color:#56606b;font-size:12px}
.chart{width:100%;height:auto}.plot{fill:#fbfcfd;stroke:#ced4da}.grid{stroke:#e9ecef}
.tick{font-size:11px;fill:#56606b}.tick.y{text-anchor:end}.tick.x{text-anchor:middle}.axis-label{font-size:12px;fill:#343a40;text-anchor:middle}
.series path{fill:none;stroke:#9aa5b1;stroke-width:1.5;opacity:.75}.series circle{fill:#9aa5b1}
.series.chosen path{stroke:#d9480f;stroke-width:3;opacity:1}.series.chosen circle{fill:#d9480f}
.series.baseline path{stroke:#1971c2;stroke-width:2.5;stroke-dasharray:6 3;opacity:1}.series.baseline circle{fill:#1971c2}
.point circle{fill:#9aa5b1;stroke:#fff}.point.chosen circle{fill:#d9480f}.point.baseline circle{fill:#1971c2}.point.failed path{stroke:#c92a2a;stroke-width:2}
.series.hl path{stroke:#000;stroke-width:3.5;opacity:1}.point.hl circle{fill:#000}
table{border-collapse:collapse;margin-top:16px;font-size:13px}th,td{padding:3px 8px;border-bottom:1px solid #e9ecef;text-align:right}
th{cursor:pointer;background:#f1f3f5;position:sticky;top:0;user-select:none}th[data-dir=asc]::after{content:' ▲'}th[data-dir=desc]::after{content:' ▼'}
td:first-child,th:first-child,td:last-child,th:last-child{text-align:left}td{white-space:nowrap}td:last-child{white-space:normal}tr.chosen td{background:#fff4e6;font-weight:600}tr.baseline td{background:#e7f5ff}
tr.failed td:last-child{color:#c92a2a}
.legend{font-size:12px;color:#56606b}.sw{display:inline-block;width:18px;height:4px;margin:0 4px 3px 10px;background:#9aa5b1}.sw.chosen{background:#d9480f}.sw.baseline{background:#1971c2}.x{color:#c92a2a;margin:0 4px 0 10px;font-weight:700}tr.hl td{outline:1px solid #000}`;

const SCRIPT = `
const tbody=document.querySelector('#trials tbody');
const key=(v,t)=>{if(t!=='num')return v;const n=parseFloat(v);return Number.isNaN(n)?-Infinity:n;};
document.querySelectorAll('#trials th').forEach((th,i)=>th.addEventListener('click',()=>{
  const dir=th.dataset.dir==='asc'?'desc':'asc';document.querySelectorAll('#trials th').forEach(h=>delete h.dataset.dir);th.dataset.dir=dir;
  const rows=[...tbody.rows];rows.sort((a,b)=>{const x=key(a.cells[i].dataset.v,th.dataset.type),y=key(b.cells[i].dataset.v,th.dataset.type);
  const c=x<y?-1:x>y?1:0;return dir==='asc'?c:-c;});rows.forEach(r=>tbody.appendChild(r));}));
const hl=(id,on)=>document.querySelectorAll('[data-trial="'+CSS.escape(id)+'"]').forEach(e=>e.classList.toggle('hl',on));
document.querySelectorAll('[data-trial]').forEach(e=>{e.addEventListener('mouseenter',()=>hl(e.dataset.trial,true));e.addEventListener('mouseleave',()=>hl(e.dataset.trial,false));});`;

export function sweepHtml(record: SweepRecord): string {
  const knobs = KNOBS.filter((k) => new Set(record.trials.filter((t) => t.role === 'search').map((t) => knobText(t.config, k.key))).size > 1 || k.key === 'lr' || k.key === 'batchSize' || k.key === 'epochs');
  const plotted = knobs.filter((k) => new Set(record.trials.map((t) => knobText(t.config, k.key))).size > 1);
  const d = record.dataset;
  const v = record.spec.validation;
  const data = d ? `${esc(d.name)}: trained on ${d.train.toLocaleString('en-US')} images, compared on ${d.validation.toLocaleString('en-US')} held-out training images (${100 * v.fraction} % per class, seed ${v.seed}), tested on ${d.test.toLocaleString('en-US')}` : esc(record.spec.dataset);
  const search = record.trials.filter((t) => t.role === 'search');
  const summary = `${search.length} trials${record.spec.trials !== null ? ` (random search, sampling seed ${record.spec.samplingSeed})` : ' (grid)'}, ` +
    `${search.filter((t) => t.status === 'done').length} done, ${search.filter((t) => t.status === 'failed').length} failed; ${record.spec.ep.toUpperCase()}, ${record.spec.threads} threads, ${(record.seconds / 60).toFixed(1)} min of training; status ${record.status}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>onnx-lenet sweep: ${esc(record.spec.dataset)}</title><style>${STYLE}</style></head>
<body><h1>onnx-lenet sweep</h1><p class="meta">${data}.<br>${summary}. Updated ${esc(record.updatedAt)}.</p>
${outcomeHtml(record)}
<p class="legend"><span class="sw chosen"></span>chosen <span class="sw baseline"></span>seed's defaults <span class="sw other"></span>other trials <span class="x">×</span>failed (at the bottom)</p>
<div class="charts">${chartsHtml(record, plotted)}</div>
${tableHtml(record, knobs)}
<p class="note">Trials are compared on validation accuracy only; test accuracy is in sweep.json and shown above for the chosen configuration and the defaults. Click a column to sort; hover a trial to find it in every chart.</p>
<script>${SCRIPT}</script></body></html>
`;
}
