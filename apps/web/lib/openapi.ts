import { ERROR_CODES } from '@unwarp/jobs';
import { AidsSectionSchema, ComparisonReportSchema } from '@unwarp/pipeline/report';
import { z } from 'zod';
import { REGION_LABELS } from './labels.ts';

/** report.aids, generated from the pipeline's zod schema so the document cannot drift from what is validated. */
const { $schema: _dialect, ...aidsSchema } = z.toJSONSchema(AidsSectionSchema);
/** A comparison's report.json, generated the same way. */
const { $schema: _dialect2, ...comparisonReportSchema } = z.toJSONSchema(ComparisonReportSchema);

const err = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});
const id = {
  name: 'id',
  in: 'path',
  required: true,
  description: 'Analysis id (`a-…`) or batch item id (`b-….N`).',
  schema: { type: 'string' },
} as const;
const comparisonId = {
  name: 'id',
  in: 'path',
  required: true,
  description: 'Comparison id (`c-…`).',
  schema: { type: 'string', pattern: '^c-[0-9a-f]{64}$' },
} as const;
const auth = {
  '401': err('API keys are configured and the request has none, or a wrong one.'),
  '429': err('Rate limit of the key reached; see Retry-After.'),
};

/** OpenAPI 3.1 description of /api/v1, served at /api/v1/openapi.json. Kept next to the routes it describes. */
export const openapi = {
  openapi: '3.1.0',
  info: {
    title: 'Unwarp API',
    version: '1.0.0',
    summary: 'Detect, localise and undo liquify-type face warps in photos.',
    description:
      'Submit a photo, get a job id, poll (or listen to server-sent events) until it is done, then read the report and images. ' +
      'A high probability means the face geometry looks pushed by a liquify-type tool; it does not say who did it or why, ' +
      'and a low one does not prove a photo is untouched.\n\n' +
      'Authentication: when the server has API keys configured, send `Authorization: Bearer <key>`; otherwise it runs in local mode and needs none. ' +
      'Each key has a per-minute request limit (RateLimit-* headers; 429 with Retry-After when exceeded).\n\n' +
      'Every error has the body `{ "error": { "code", "message" } }`.',
  },
  servers: [{ url: '/' }],
  security: [{ bearer: [] }, {}],
  paths: {
    '/api/v1/analyses': {
      post: {
        operationId: 'submitAnalysis',
        summary: 'Submit one photo',
        description:
          'The same bytes with the same options map to the same id: a re-upload returns the existing analysis (`deduplicated: true`).',
        requestBody: {
          required: true,
          content: {
            'multipart/form-data': {
              schema: {
                type: 'object',
                required: ['image'],
                properties: {
                  image: {
                    type: 'string',
                    format: 'binary',
                    description:
                      'JPEG, PNG, WebP, GIF, AVIF, TIFF (and HEIC where the server\u2019s libvips reads it).',
                  },
                  callbackUrl: {
                    type: 'string',
                    format: 'uri',
                    description:
                      'POSTed the result when the job ends (see the `analysisFinished` webhook). Private and loopback addresses are refused unless allowed in config.',
                  },
                  threshold: {
                    type: 'number',
                    minimum: 0,
                    maximum: 1,
                    description: 'Decision threshold of the verdict (default 0.5).',
                  },
                  noCrop: {
                    type: 'boolean',
                    description: 'Treat the whole image as one face crop (already-cropped portraits).',
                  },
                },
              },
            },
          },
        },
        responses: {
          '202': {
            description: 'Accepted (it may already be done when deduplicated).',
            headers: { Location: { schema: { type: 'string' } } },
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Submitted' } } },
          },
          '400': err('No file in the field `image`, or a malformed body.'),
          ...auth,
          '413': err('The file (or request) is larger than the upload limit.'),
          '415': err('Not multipart, or not an image format the server reads (SVG, BMP, text…).'),
          '422': err('Too many pixels, too small, empty, a bad option, or a refused callbackUrl.'),
          '503': err('The job queue is unavailable.'),
        },
      },
    },
    '/api/v1/analyses/{id}': {
      get: {
        operationId: 'getAnalysis',
        summary: 'Status of an analysis; the report once done',
        parameters: [id],
        responses: {
          '200': {
            description: 'Status.',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Analysis' } } },
          },
          ...auth,
          '404': err('Unknown id.'),
        },
      },
    },
    '/api/v1/analyses/{id}/events': {
      get: {
        operationId: 'analysisEvents',
        summary: 'Live status as server-sent events',
        description:
          'One `status` event (data: `{ id, status, stage?, progress?, error? }`) per change; the stream ends after `done` or `failed`.',
        parameters: [id],
        responses: {
          '200': { description: 'An event stream.', content: { 'text/event-stream': { schema: { type: 'string' } } } },
          ...auth,
          '404': err('Unknown id.'),
        },
      },
    },
    '/api/v1/analyses/{id}/{artifact}': {
      get: {
        operationId: 'getArtifact',
        summary: 'One file of a finished analysis, or the uploaded photo',
        parameters: [
          id,
          {
            name: 'artifact',
            in: 'path',
            required: true,
            schema: {
              type: 'string',
              enum: [
                'heatmap.png',
                'flow.png',
                'recovered.png',
                'compare.png',
                'evidence.png',
                'history.png',
                'ela.png',
                'noise.png',
                'flow.flo',
                'report.json',
                'original',
              ],
            },
            description:
              '`heatmap.png`: |W| from 0.5 px to 7 px over the photo; `flow.png`: W in the Middlebury colour code with a colour-wheel legend; ' +
              '`recovered.png`: the photo with the predicted warp undone; `compare.png`: side by side; `flow.flo`: the dense field W (Middlebury .flo, px); ' +
              "`evidence.png`: each face window's score tinted over the photo (blue to cyan below 0.5, yellow to red 0.5 to 1), the top window outlined (`faces[].hotspot` in the report); " +
              "`history.png` (JPEG uploads with a face only): each 8x8 block tinted teal where it kept the photo's earlier JPEG save and magenta where it was compressed once, each face's strongest break outlined (`faces[].historyHotspot`; how to read it in `report.jpegHistory.howToRead`); after a crop between the saves, the earlier save's map on its own grid (`report.jpegHistory.earlierSaveShift`), which faces with `faces[].historyGrid` 'shifted' then read their history from; " +
              '`ela.png`: error level analysis (brighter = changed more by a JPEG re-save at quality 90; legend in `report.aids.ela.legend`); ' +
              '`noise.png`: noise residual (the fine grain left after removing image content; legend in `report.aids.noise.legend`) — ' +
              'both at most 2048 px a side and only when the forensic aids ran (404 otherwise; `artifacts` in the analysis lists what exists); ' +
              '`original`: the uploaded bytes.',
          },
          {
            name: 'w',
            in: 'query',
            required: false,
            schema: { type: 'integer', minimum: 16, maximum: 4096 },
            description: 'Only for `original`: an upright JPEG this wide.',
          },
          {
            name: 'download',
            in: 'query',
            required: false,
            schema: { type: 'string', enum: ['1'] },
            description: 'Content-Disposition: attachment.',
          },
        ],
        responses: {
          '200': {
            description: 'The bytes.',
            content: { 'image/png': {}, 'image/jpeg': {}, 'application/octet-stream': {}, 'application/json': {} },
          },
          ...auth,
          '404': err('Unknown id or artifact.'),
          '409': err('The analysis is not done yet.'),
        },
      },
    },
    '/api/v1/comparisons': {
      post: {
        operationId: 'submitComparison',
        summary: 'Compare an edited photo with the photo it was made from',
        description:
          'The worker measures the warp field W between the two photos (no model: W is measured, not predicted) and renders the same ' +
          'images as an analysis. Both photos must show the same framing; an original saved at another size is resized to match. ' +
          'The same pair (same bytes, same order) maps to the same id: a resubmission returns the existing comparison. ' +
          'Photos framed differently fail with error code `framing`.',
        requestBody: {
          required: true,
          content: {
            'multipart/form-data': {
              schema: {
                type: 'object',
                required: ['edited', 'original'],
                properties: {
                  edited: { type: 'string', format: 'binary', description: 'The photo that may have been warped.' },
                  original: {
                    type: 'string',
                    format: 'binary',
                    description: 'The photo it was made from (the photographer\u2019s file, an earlier post).',
                  },
                  callbackUrl: {
                    type: 'string',
                    format: 'uri',
                    description:
                      'POSTed `{ id, status, report? | error? }` when the comparison ends (signed, as for analyses).',
                  },
                },
              },
            },
          },
        },
        responses: {
          '202': {
            description: 'Queued (or already known).',
            headers: { Location: { schema: { type: 'string' } } },
            content: { 'application/json': { schema: { $ref: '#/components/schemas/ComparisonSubmitted' } } },
          },
          '400': err('A field is missing or the body is unreadable.'),
          ...auth,
          '413': err('A photo is over the size limit.'),
          '415': err('Not multipart, or a file is not a photo format the server reads.'),
          '422': err('A photo is empty, too small or has too many pixels, or the callback URL is refused.'),
          '503': err('The job queue is unavailable.'),
        },
      },
    },
    '/api/v1/comparisons/{id}': {
      get: {
        operationId: 'getComparison',
        summary: 'Status of a comparison; the report once done',
        parameters: [comparisonId],
        responses: {
          '200': {
            description: 'Status.',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Comparison' } } },
          },
          ...auth,
          '404': err('Unknown id.'),
        },
      },
    },
    '/api/v1/comparisons/{id}/events': {
      get: {
        operationId: 'comparisonEvents',
        summary: 'Live status of a comparison as server-sent events',
        description:
          'As for analyses: one `status` event (data: `{ id, status, stage?, progress?, error? }`) per change; the stream ends after `done` or `failed`.',
        parameters: [comparisonId],
        responses: {
          '200': { description: 'An event stream.', content: { 'text/event-stream': { schema: { type: 'string' } } } },
          ...auth,
          '404': err('Unknown id.'),
        },
      },
    },
    '/api/v1/comparisons/{id}/{artifact}': {
      get: {
        operationId: 'getComparisonArtifact',
        summary: 'One file of a finished comparison, or one of the two uploads',
        parameters: [
          comparisonId,
          {
            name: 'artifact',
            in: 'path',
            required: true,
            schema: {
              type: 'string',
              enum: [
                'heatmap.png',
                'flow.png',
                'recovered.png',
                'compare.png',
                'flow.flo',
                'report.json',
                'edited',
                'original',
              ],
            },
            description:
              'As for analyses, but of the measured W: `heatmap.png` (|W| 0.5-7 px over the edited photo), `flow.png`, ' +
              '`recovered.png` (the edited photo with the measured warp undone), `compare.png`, `flow.flo`, `report.json`; ' +
              '`edited` and `original`: the uploaded bytes (available before the comparison is done).',
          },
          {
            name: 'w',
            in: 'query',
            required: false,
            schema: { type: 'integer', minimum: 16, maximum: 4096 },
            description: 'Only for `edited` and `original`: an upright JPEG this wide.',
          },
          {
            name: 'download',
            in: 'query',
            required: false,
            schema: { type: 'string', enum: ['1'] },
            description: 'Content-Disposition: attachment.',
          },
        ],
        responses: {
          '200': {
            description: 'The bytes.',
            content: { 'image/png': {}, 'image/jpeg': {}, 'application/octet-stream': {}, 'application/json': {} },
          },
          ...auth,
          '404': err('Unknown id or artifact.'),
          '409': err('The comparison is not done yet.'),
        },
      },
    },
    '/api/v1/batches': {
      post: {
        operationId: 'submitBatch',
        summary: 'Submit many photos',
        description:
          'Every file is checked first: the batch is accepted whole or refused whole, and the error names the file.',
        requestBody: {
          required: true,
          content: {
            'multipart/form-data': {
              schema: {
                type: 'object',
                required: ['images'],
                properties: {
                  images: { type: 'array', items: { type: 'string', format: 'binary' } },
                  callbackUrl: {
                    type: 'string',
                    format: 'uri',
                    description: 'POSTed once when every photo is finished (see `batchFinished`).',
                  },
                  threshold: { type: 'number', minimum: 0, maximum: 1 },
                  noCrop: { type: 'boolean' },
                },
              },
            },
          },
        },
        responses: {
          '202': {
            description: 'Accepted.',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/BatchSubmitted' } } },
          },
          '400': err('No files.'),
          ...auth,
          '413': err('A file, the file count or the request is over its limit.'),
          '415': err('A file is not an image the server reads.'),
          '422': err('A file has too many pixels, is too small or empty; or a bad option or callbackUrl.'),
          '503': err('The job queue is unavailable.'),
        },
      },
    },
    '/api/v1/batches/{id}': {
      get: {
        operationId: 'getBatch',
        summary: 'Progress and items of a batch',
        parameters: [
          { name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^b-[0-9a-f]{32}$' } },
        ],
        responses: {
          '200': {
            description: 'Batch.',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Batch' } } },
          },
          ...auth,
          '404': err('Unknown batch.'),
        },
      },
    },
    '/api/v1/batches/{id}/export': {
      get: {
        operationId: 'exportBatch',
        summary: 'Export a batch, highest probability first',
        parameters: [
          { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
          {
            name: 'format',
            in: 'query',
            required: false,
            schema: { type: 'string', enum: ['csv', 'jsonl'], default: 'csv' },
          },
        ],
        responses: {
          '200': {
            description: 'CSV columns: file, sha256, probability, verdict, faces, max displacement px, status, error.',
            content: { 'text/csv': {}, 'application/x-ndjson': {} },
          },
          ...auth,
          '404': err('Unknown batch.'),
          '422': err('Unknown format.'),
        },
      },
    },
  },
  webhooks: {
    analysisFinished: {
      post: {
        summary: 'Sent to callbackUrl when an analysis ends',
        description:
          'Signed: `X-Unwarp-Timestamp` (unix seconds) and `X-Unwarp-Signature: sha256=<hex>`, the HMAC-SHA256 with the shared secret ' +
          '(UNWARP_WEBHOOK_SECRET) over `<timestamp>.<raw body>`. Verify in constant time and refuse old timestamps. ' +
          'Delivery is retried with growing pauses when the receiver fails or answers non-2xx; answer 2xx quickly.',
        parameters: [
          { name: 'X-Unwarp-Timestamp', in: 'header', required: true, schema: { type: 'string' } },
          {
            name: 'X-Unwarp-Signature',
            in: 'header',
            required: true,
            schema: { type: 'string', pattern: '^sha256=[0-9a-f]{64}$' },
          },
        ],
        requestBody: {
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['id', 'status'],
                properties: {
                  id: { type: 'string' },
                  status: { type: 'string', enum: ['done', 'failed'] },
                  report: { $ref: '#/components/schemas/Report' },
                  error: { $ref: '#/components/schemas/JobError' },
                },
              },
            },
          },
        },
        responses: { '200': { description: 'Received.' } },
      },
    },
    batchFinished: {
      post: {
        summary: 'Sent to a batch\u2019s callbackUrl when all its photos are finished (signed the same way)',
        requestBody: {
          content: {
            'application/json': {
              schema: {
                type: 'object',
                properties: { batchId: { type: 'string' }, status: { const: 'done' }, summary: { type: 'object' } },
              },
            },
          },
        },
        responses: { '200': { description: 'Received.' } },
      },
    },
  },
  components: {
    securitySchemes: {
      bearer: { type: 'http', scheme: 'bearer', description: 'An API key; the server stores only its SHA-256.' },
    },
    schemas: {
      Error: {
        type: 'object',
        required: ['error'],
        properties: {
          error: {
            type: 'object',
            required: ['code', 'message'],
            properties: {
              code: {
                type: 'string',
                examples: ['too-large', 'unsupported-type', 'too-many-pixels', 'rate-limited', 'unauthorized'],
              },
              message: { type: 'string' },
            },
          },
        },
      },
      JobError: {
        type: 'object',
        properties: {
          code: {
            type: 'string',
            enum: [...ERROR_CODES],
          },
          message: { type: 'string' },
          retryable: { type: 'boolean' },
        },
      },
      Submitted: {
        type: 'object',
        required: ['id', 'status', 'statusUrl'],
        properties: {
          id: { type: 'string' },
          status: { $ref: '#/components/schemas/State' },
          deduplicated: { type: 'boolean' },
          statusUrl: { type: 'string' },
          eventsUrl: { type: 'string' },
          resultPage: { type: 'string' },
        },
      },
      State: { type: 'string', enum: ['queued', 'running', 'done', 'failed'] },
      Stage: {
        type: 'string',
        enum: ['decoding', 'detecting faces', 'predicting', 'measuring', 'rendering', 'storing', 'done'],
        description: 'Analyses go through `predicting`, comparisons through `measuring`.',
      },
      Analysis: {
        type: 'object',
        required: ['id', 'status'],
        properties: {
          id: { type: 'string' },
          status: { $ref: '#/components/schemas/State' },
          stage: { $ref: '#/components/schemas/Stage' },
          progress: { type: 'number', minimum: 0, maximum: 100 },
          fileName: { type: 'string' },
          sha256: { type: 'string' },
          statusUrl: { type: 'string' },
          eventsUrl: { type: 'string' },
          resultPage: { type: 'string' },
          report: { $ref: '#/components/schemas/Report' },
          artifacts: { type: 'object', additionalProperties: { type: 'string' }, description: 'Artifact name → URL.' },
          error: { $ref: '#/components/schemas/JobError' },
        },
      },
      Displacement: {
        type: 'object',
        properties: { max: { type: 'number' }, mean: { type: 'number' }, p95: { type: 'number' } },
        description: '|W| in image pixels.',
      },
      Report: {
        type: 'object',
        description: 'report.json, version 1.',
        properties: {
          version: { const: 1 },
          probability: { type: 'number', minimum: 0, maximum: 1 },
          verdict: { type: 'string' },
          caveat: { type: 'string' },
          threshold: { type: 'number' },
          image: { type: 'object' },
          faces: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                index: { type: 'integer' },
                box: {
                  type: 'object',
                  properties: {
                    x: { type: 'number' },
                    y: { type: 'number' },
                    width: { type: 'number' },
                    height: { type: 'number' },
                  },
                },
                probability: { type: 'number' },
                fieldShown: {
                  type: 'boolean',
                  description:
                    "Whether W (flow.flo, the heatmaps, recovered.png) holds this face's predicted field: false for a face under the threshold when the model shows its field only on faces it flags, or at a face size where its calibration found the field does not help.",
                },
                verdict: { type: 'string' },
                displacement: { $ref: '#/components/schemas/Displacement' },
                regions: {
                  type: 'object',
                  propertyNames: { enum: Object.keys(REGION_LABELS) },
                  additionalProperties: {
                    type: 'object',
                    properties: { mean: { type: 'number' }, max: { type: 'number' } },
                  },
                },
              },
            },
          },
          noFace: { type: 'boolean' },
          warnings: { type: 'array', items: { type: 'string' } },
          model: { type: 'object' },
          backend: { type: 'string' },
          timings: {
            type: 'object',
            additionalProperties: { type: 'number' },
            description: 'ms per stage: decode, faces, predict, recover, aids, total.',
          },
          aids: { $ref: '#/components/schemas/Aids' },
          createdAt: { type: 'string' },
        },
      },
      Aids: {
        ...aidsSchema,
        description:
          'The classic forensic aids on the uploaded file: metadata, Content Credentials (C2PA), error level analysis, ' +
          'noise residual, JPEG quality and double-compression hint. Numbers and hints, never a verdict; every section has ' +
          'a one-line `howToRead`. Absent when the aids did not run (a warning then says why).',
      },
      ComparisonSubmitted: {
        type: 'object',
        required: ['id', 'status', 'statusUrl'],
        properties: {
          id: { type: 'string' },
          status: { $ref: '#/components/schemas/State' },
          deduplicated: { type: 'boolean' },
          statusUrl: { type: 'string' },
          eventsUrl: { type: 'string' },
          resultPage: { type: 'string' },
        },
      },
      Comparison: {
        type: 'object',
        required: ['id', 'status'],
        properties: {
          id: { type: 'string' },
          status: { $ref: '#/components/schemas/State' },
          stage: { $ref: '#/components/schemas/Stage' },
          progress: { type: 'number', minimum: 0, maximum: 100 },
          editedName: { type: 'string' },
          originalName: { type: 'string' },
          editedSha256: { type: 'string' },
          originalSha256: { type: 'string' },
          statusUrl: { type: 'string' },
          eventsUrl: { type: 'string' },
          resultPage: { type: 'string' },
          report: { $ref: '#/components/schemas/ComparisonReport' },
          artifacts: { type: 'object', additionalProperties: { type: 'string' }, description: 'Artifact name → URL.' },
          error: { $ref: '#/components/schemas/JobError' },
        },
      },
      ComparisonReport: {
        ...comparisonReportSchema,
        description:
          'report.json of a comparison: `displacement` (|W| in px: max, mean, p95), `movedShare` (share of pixels moved more ' +
          'than 0.5 px), `psnr` of the edited photo and of the recovered one against the original, per-face `regions`, ' +
          '`residual`, `warnings` and a one-line `howToRead`.',
      },
      BatchSubmitted: {
        type: 'object',
        properties: {
          batchId: { type: 'string' },
          ids: { type: 'array', items: { type: 'string' } },
          count: { type: 'integer' },
          statusUrl: { type: 'string' },
          page: { type: 'string' },
        },
      },
      Batch: {
        type: 'object',
        properties: {
          batchId: { type: 'string' },
          status: { type: 'string', enum: ['queued', 'running', 'done'] },
          createdAt: { type: 'string' },
          counts: {
            type: 'object',
            properties: {
              total: { type: 'integer' },
              queued: { type: 'integer' },
              running: { type: 'integer' },
              done: { type: 'integer' },
              failed: { type: 'integer' },
            },
          },
          exportUrls: { type: 'object', properties: { csv: { type: 'string' }, jsonl: { type: 'string' } } },
          items: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                id: { type: 'string' },
                file: { type: 'string' },
                sha256: { type: 'string' },
                status: { $ref: '#/components/schemas/State' },
                stage: { $ref: '#/components/schemas/Stage' },
                progress: { type: 'number' },
                probability: { type: 'number' },
                verdict: { type: 'string' },
                faces: { type: 'integer' },
                maxDisplacementPx: { type: 'number' },
                historyBreaks: {
                  type: 'array',
                  items: { type: 'string' },
                  description:
                    "faces outlined by their JPEG history (report faces[].historyHotspot), in words: the region nearest the break ('right eye'; 'face 1: nose' in group photos)",
                },
                error: { $ref: '#/components/schemas/JobError' },
              },
            },
          },
        },
      },
    },
  },
} as const;
