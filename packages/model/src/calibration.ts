/**
 * How a model's face logit becomes the probability the product shows: p = sigmoid(slope × (logit − logitThreshold)).
 * `logitThreshold` is the logit that at most `targetFpr` of unedited held-out faces reach, so p = 0.5 — the product's
 * threshold everywhere — is that operating point; `slope` is fitted (maximum likelihood) on edited and unedited faces
 * so that p is not overconfident. The raw head takes the most suspicious window of a whole face, so without this its
 * scores on untouched faces run high.
 */
/** The probability at which a calibrated face is flagged: the calibration puts its operating point here. */
export const FLAG_THRESHOLD = 0.5;

export type Calibration = {
  logitThreshold: number;
  slope: number;
  targetFpr: number;
  /** Measured on the calibration faces at p ≥ 0.5 (all conditions together). */
  fpr: number;
  tpr: number;
  /**
   * The same, per condition the faces were scored under (e.g. re-saved after the edit, or not): the threshold is the
   * highest of the conditions' own, so none flags more than `targetFpr` of its untouched faces.
   */
  conditions?: { name: string; faces: number; fpr: number; tpr: number }[];
  faces: number;
  edited: number;
  /** The photo pools it was fitted on (e.g. `val/afw`): report metrics on others. */
  pools: string[];
  /** How far to trust the predicted warp field, for models that predict one. */
  field?: FieldCalibration;
  source: string;
  seed: number;
  createdAt: string;
};

/**
 * The field the product shows and undoes is W × P(moved) × gain × p, where p is the face's calibrated probability:
 * the displacement to expect given how sure the model is that the face was edited at all, and with the gain that
 * undid the calibration faces' edits best. A field trained on end-point error keeps its full length even where its
 * direction is a guess; undoing such a guess costs more than it gains, so the expected value is shorter. How good the
 * field is depends on the face's size (small faces hold small edits and few pixels to read them from), so the gain is
 * fitted per band of face width (`bySize`); `gain` is the one gain fitted over all faces.
 */
export type FieldCalibration = {
  gain: number;
  /** Mean PSNR gain over edited faces' boxes after unwarping with the chosen field (dB; 0 = not unwarped). */
  psnrGain: number;
  /** The same for every gain tried. */
  candidates: { gain: number; psnrGain: number }[];
  /** The chosen gain's PSNR gain per pool × condition. */
  conditions: { name: string; faces: number; psnrGain: number }[];
  /**
   * Per band of face width (the face box on the network's input, px), ascending: faces at least `minFaceWidth` wide
   * (and narrower than the next band's) use `gain`. A band with too few faces to fit keeps 0.
   */
  bySize?: FieldBand[];
  /**
   * `bySize` fitted apart on the faces whose file was last saved as JPEG and on those exported losslessly: a re-save
   * blurs the traces the field is read from, so the same field is worth less there. Used where the caller says which
   * the file is (`predict` does: a JPEG quality is given for JPEG files).
   */
  byLastSave?: { jpeg: FieldBand[]; lossless: FieldBand[] };
};

export type FieldBand = { minFaceWidth: number; faces: number; gain: number; psnrGain: number };

/** Bands of face width the field's gain is fitted on (px on the network's input). */
export const FIELD_SIZE_BANDS = [0, 120, 200];
const MIN_BAND_FACES = 20;
/** dB over no field a gain must reach to be kept (session 10: JPEG bands picked gain 1 for +0.02 dB on 57 faces). */
export const MIN_FIELD_PSNR_GAIN = 0.05;

/**
 * The bands of face width that apply to a file last saved as JPEG (true), losslessly (false) or not known
 * (undefined); undefined for a calibration without bands.
 */
export function fieldBandsFor(field: FieldCalibration, lastSaveJpeg?: boolean): FieldBand[] | undefined {
  if (field.byLastSave && lastSaveJpeg !== undefined) return field.byLastSave[lastSaveJpeg ? 'jpeg' : 'lossless'];
  return field.bySize?.length ? field.bySize : undefined;
}

/** The gain for a face this wide in such a file: its band's, or the overall one for a calibration without bands. */
export function fieldGainFor(field: FieldCalibration, faceWidth: number, lastSaveJpeg?: boolean): number {
  const bands = fieldBandsFor(field, lastSaveJpeg);
  if (!bands) return field.gain;
  let gain = 0;
  for (const band of bands) if (faceWidth >= band.minFaceWidth) gain = band.gain;
  return gain;
}

/**
 * The gain whose mean PSNR gain is highest, over all faces and per band of face width (with `lastSaveJpeg`, also per
 * band within JPEG and within lossless files). `psnrGains[i][j]` is face i's gain with candidate j; a tie keeps the
 * smaller gain (the shorter field claims less), and a gain less than MIN_FIELD_PSNR_GAIN better than 0 gives way to 0.
 */
export function fitFieldGain(
  gains: readonly number[],
  psnrGains: readonly (readonly number[])[],
  conditions: readonly string[],
  faceWidths?: readonly number[],
  lastSaveJpeg?: readonly boolean[],
): FieldCalibration {
  if (psnrGains.length === 0) throw new Error('fitFieldGain: no edited faces');
  if (conditions.length !== psnrGains.length) throw new Error('fitFieldGain: conditions and faces differ in length');
  if (faceWidths && faceWidths.length !== psnrGains.length)
    throw new Error('fitFieldGain: face widths and faces differ in length');
  if (lastSaveJpeg && (!faceWidths || lastSaveJpeg.length !== psnrGains.length))
    throw new Error('fitFieldGain: last saves need face widths, one per face');
  const mean = (j: number, keep: (i: number) => boolean = () => true) => {
    let s = 0;
    let n = 0;
    psnrGains.forEach((row, i) => {
      if (keep(i)) {
        s += row[j]!;
        n++;
      }
    });
    return n > 0 ? s / n : 0;
  };
  const none = gains.indexOf(0);
  const bestOf = (keep?: (i: number) => boolean) => {
    let best = 0;
    for (let j = 1; j < gains.length; j++) if (mean(j, keep) > mean(best, keep)) best = j;
    // A field that beats none by less than this is a coin toss on these faces: show none.
    if (none >= 0 && mean(best, keep) - mean(none, keep) < MIN_FIELD_PSNR_GAIN) return none;
    return best;
  };
  const best = bestOf();
  const fit: FieldCalibration = {
    gain: gains[best]!,
    psnrGain: mean(best),
    candidates: gains.map((gain, j) => ({ gain, psnrGain: mean(j) })),
    conditions: [...new Set(conditions)].map((name) => ({
      name,
      faces: conditions.filter((c) => c === name).length,
      psnrGain: mean(best, (i) => conditions[i] === name),
    })),
  };
  if (!faceWidths) return fit;
  const bandsOf = (keep: (i: number) => boolean): FieldBand[] =>
    FIELD_SIZE_BANDS.map((minFaceWidth, b) => {
      const next = FIELD_SIZE_BANDS[b + 1] ?? Number.POSITIVE_INFINITY;
      const inBand = (i: number) => keep(i) && faceWidths[i]! >= minFaceWidth && faceWidths[i]! < next;
      const faces = faceWidths.filter((_, i) => inBand(i)).length;
      if (faces < MIN_BAND_FACES) return { minFaceWidth, faces, gain: 0, psnrGain: 0 };
      const j = bestOf(inBand);
      return { minFaceWidth, faces, gain: gains[j]!, psnrGain: mean(j, inBand) };
    });
  const bySize = bandsOf(() => true);
  if (!lastSaveJpeg) return { ...fit, bySize };
  const byLastSave = { jpeg: bandsOf((i) => lastSaveJpeg[i]!), lossless: bandsOf((i) => !lastSaveJpeg[i]) };
  return { ...fit, bySize, byLastSave };
}

export function calibratedProbability(logit: number, c: Calibration | undefined): number {
  const z = c ? c.slope * (logit - c.logitThreshold) : logit;
  return 1 / (1 + Math.exp(-z));
}

/**
 * The calibration for these face logits: threshold at the target false-positive rate on the unedited ones (with
 * `conditions`, a name per face, the highest of each condition's own threshold), then the slope that maximises the
 * likelihood of all labels with that threshold held fixed.
 */
export function fitCalibration(
  logits: readonly number[],
  labels: readonly number[],
  targetFpr: number,
  conditions?: readonly string[],
): Pick<Calibration, 'logitThreshold' | 'slope' | 'fpr' | 'tpr' | 'conditions'> {
  if (logits.length !== labels.length) throw new Error('fitCalibration: logits and labels differ in length');
  if (conditions && conditions.length !== logits.length)
    throw new Error('fitCalibration: conditions and logits differ in length');
  if (!(targetFpr > 0 && targetFpr < 1)) throw new Error('fitCalibration: targetFpr must be in (0, 1)');
  const names = conditions ? [...new Set(conditions)] : [''];
  const inCondition = (name: string) => (_: unknown, i: number) => !conditions || conditions[i] === name;
  const thresholdOf = (name: string) => {
    const neg = logits.filter((l, i) => labels[i] === 0 && inCondition(name)(l, i)).sort((a, b) => b - a);
    const pos = logits.filter((l, i) => labels[i] === 1 && inCondition(name)(l, i));
    if (neg.length < 10 || pos.length < 10)
      throw new Error(`fitCalibration: needs at least 10 edited and 10 unedited faces${name ? ` in ${name}` : ''}`);
    // The (k+1)-th highest unedited logit, nudged up: at most k = floor(targetFpr × n) unedited faces reach it.
    return neg[Math.floor(targetFpr * neg.length)]! + 1e-6;
  };
  const logitThreshold = Math.max(...names.map(thresholdOf));
  const neg = logits.filter((_, i) => labels[i] === 0);
  const pos = logits.filter((_, i) => labels[i] === 1);
  const nll = (slope: number) => {
    let s = 0;
    for (let i = 0; i < logits.length; i++) {
      const z = slope * (logits[i]! - logitThreshold);
      // log(1 + e^-z) for a positive, log(1 + e^z) for a negative, computed without overflow.
      const m = labels[i] === 1 ? -z : z;
      s += Math.max(m, 0) + Math.log1p(Math.exp(-Math.abs(m)));
    }
    return s;
  };
  // Golden-section search on log(slope): the likelihood is unimodal in the slope for a fixed offset.
  let lo = Math.log(1e-3);
  let hi = Math.log(1e3);
  const g = (Math.sqrt(5) - 1) / 2;
  for (let it = 0; it < 80; it++) {
    const a = hi - g * (hi - lo);
    const b = lo + g * (hi - lo);
    if (nll(Math.exp(a)) < nll(Math.exp(b))) hi = b;
    else lo = a;
  }
  const slope = Math.exp((lo + hi) / 2);
  const rate = (xs: number[]) => xs.filter((l) => l >= logitThreshold).length / xs.length;
  const fit = { logitThreshold, slope, fpr: rate(neg), tpr: rate(pos) };
  if (!conditions) return fit;
  return {
    ...fit,
    conditions: names.map((name) => {
      const of = (label: number) => logits.filter((_, i) => labels[i] === label && conditions[i] === name);
      return { name, faces: of(0).length + of(1).length, fpr: rate(of(0)), tpr: rate(of(1)) };
    }),
  };
}
