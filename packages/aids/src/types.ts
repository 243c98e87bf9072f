/** Interleaved 8-bit RGB raster, row-major: `data.length === width * height * 3`. */
export type RGBImage = { width: number; height: number; channels: 3; data: Uint8Array };

/** What the two ends of a rendered map mean, in words shown to users. */
export type LegendScale = { zero: string; max: string };

export type MetadataReport = {
  /** Container format as sharp reports it ('jpeg', 'png', 'webp', ...). */
  format: string | null;
  camera: { make: string | null; model: string | null; lens: string | null };
  /**
   * DateTimeOriginal as written, its offset if any, an ISO 8601 string (camera-local time when there is no offset),
   * and IFD0 ModifyDate as written.
   */
  captureTime: { original: string | null; offset: string | null; iso: string | null; modified: string | null };
  /** IFD0 Software, verbatim. */
  software: string | null;
  /** Editors named by Software, XMP CreatorTool or XMP history (e.g. 'Adobe Photoshop'). */
  editorHints: string[];
  gps: { latitude: number; longitude: number } | null;
  dimensions: {
    exif: { width: number; height: number } | null;
    /** Stored pixel size (before orientation is applied). */
    actual: { width: number; height: number };
    mismatch: boolean;
  };
  /** EXIF Orientation 1-8, null when absent. */
  orientation: number | null;
  xmp: { creatorTool: string | null; history: XmpHistoryEvent[] } | null;
  iptc: { byline: string | null; credit: string | null; copyright: string | null } | null;
  thumbnail: {
    present: boolean;
    mismatch: boolean;
    /** Mean absolute difference (0-255) between thumbnail and main image, both at 64 px; null when absent. */
    difference: number | null;
    aspectThumbnail: number | null;
    aspectImage: number | null;
  };
  warnings: string[];
};

export type XmpHistoryEvent = { action: string | null; softwareAgent: string | null; when: string | null };

export type C2paReport = {
  present: boolean;
  /** true: signature and hashes checked and passed; false: checked and failed, or not checkable; null: nothing to check. */
  validated: boolean | null;
  /** 'Valid' | 'Invalid' | 'Trusted' from the C2PA reader, when it ran. */
  validationState?: string;
  signer?: string;
  claimGenerator?: string;
  actions?: string[];
  /** Failure codes with their explanation ('assertion.dataHash.mismatch: ...'). */
  validationStatus?: string[];
  /** Plain-words sentence on what this result means (or why nothing could be checked). */
  reason?: string;
};

export type ElaOptions = {
  /** JPEG quality used for the re-save. Default 90. */
  quality?: number;
  /** Amplification of the absolute difference before clipping to 255. Default 20. */
  scale?: number;
};

export type ElaResult = {
  image: RGBImage;
  /** Mean absolute difference over pixels and channels, 0-255 units, before amplification. */
  meanError: number;
  maxError: number;
  quality: number;
  scale: number;
  /** Size the analysis ran at (the original unless it was over the analysis cap). */
  analysedSize: { width: number; height: number };
  legend: LegendScale;
  howToRead: string;
};

export type NoiseOptions = {
  /** Amplification of |pixel - 3x3 median| before clipping to 255. Default 10. */
  scale?: number;
  /** Block size for the per-block residual standard deviation. Default 32. */
  blockSize?: number;
};

export type NoiseResult = {
  image: RGBImage;
  /** Mean |residual| over all pixels (luma, 0-255 units). */
  meanResidual: number;
  /** Residual standard deviation per block: spread across the image. */
  blockStd: { min: number; median: number; max: number; blocks: number };
  /** Fraction of blocks whose residual std is under a third, or over three times, the median. */
  outlierBlockFraction: number;
  scale: number;
  analysedSize: { width: number; height: number };
  legend: LegendScale;
  howToRead: string;
};

export type DoubleCompressionHint = {
  /** true / false when the test ran; null when it could not (not a JPEG, too small, progressive-only tables...). */
  suspected: boolean | null;
  /** Mean relative deviation of the luma DCT histograms from their calibrated single-compression estimate. */
  score: number | null;
  method: string;
  note: string;
};

export type JpegQualityEstimate = {
  /** IJG quality (1-100) whose scaled standard tables best match, null when not a JPEG or no tables. */
  quality: number | null;
  /** True when the tables are exactly IJG standard tables at that quality (libjpeg, sharp, many apps). */
  standardTables: boolean;
  /** Quantisation tables in natural (row-major) order, indexed by table id. */
  tables: number[][];
  subsampling?: string;
  progressive?: boolean;
};

export type AidsOptions = { ela?: ElaOptions; noise?: NoiseOptions };

/** JSON-serialisable summary of every aid (no pixels). */
export type AidsReport = {
  /** `howToRead`: one plain-words sentence on what metadata can and cannot tell (shown to users as-is). */
  metadata: MetadataReport & { howToRead: string };
  contentCredentials: C2paReport & { howToRead: string };
  ela: { meanError: number; maxError: number; quality: number; scale: number; legend: LegendScale; howToRead: string };
  noise: {
    meanResidual: number;
    blockStd: NoiseResult['blockStd'];
    outlierBlockFraction: number;
    scale: number;
    legend: LegendScale;
    howToRead: string;
  };
  jpeg: {
    quality: number | null;
    standardTables: boolean;
    subsampling: string | null;
    doubleCompressionHint: DoubleCompressionHint;
    howToRead: string;
  };
  /** Pixel size the ELA and noise maps were computed at, and the size of the returned map images. */
  analysis: { width: number; height: number; mapWidth: number; mapHeight: number };
};
