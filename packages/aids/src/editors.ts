/**
 * Software names that mean "an editor saved this file". Specific names come before the general ones they contain
 * (Lightroom and Photoshop Express before Photoshop). Camera firmware and OS strings ('iOS 17.1', 'HDR+') are not here.
 */
const EDITORS: readonly (readonly [name: string, pattern: RegExp])[] = [
  ['Adobe Lightroom', /lightroom/i],
  ['Adobe Photoshop Express', /photoshop\s*express/i],
  ['Adobe Camera Raw', /camera\s*raw/i],
  ['Adobe Photoshop', /photoshop/i],
  ['Adobe Firefly', /firefly/i],
  ['GIMP', /\bgimp\b/i],
  ['Snapseed', /snapseed/i],
  ['Facetune', /face\s*tune/i],
  ['FaceApp', /faceapp/i],
  ['Meitu', /meitu/i],
  ['BeautyPlus', /beauty\s*plus/i],
  ['PicsArt', /picsart/i],
  ['Affinity Photo', /affinity/i],
  ['Pixelmator', /pixelmator/i],
  ['Canva', /\bcanva\b/i],
  ['Instagram', /instagram/i],
  ['VSCO', /\bvsco\b/i],
  ['YouCam', /youcam/i],
  ['AirBrush', /airbrush/i],
  ['Perfect365', /perfect\s*365/i],
  ['Remini', /remini/i],
  ['Lensa', /\blensa\b/i],
  ['Photopea', /photopea/i],
  ['Pixlr', /pixlr/i],
  ['Paint.NET', /paint\.net/i],
  ['Luminar', /luminar/i],
  ['Capture One', /capture\s*one/i],
  ['darktable', /darktable/i],
  ['RawTherapee', /rawtherapee/i],
  ['Corel PaintShop Pro', /paint\s*shop\s*pro|paintshop/i],
  ['Fotor', /fotor/i],
  ['PhotoDirector', /photodirector/i],
  ['Polarr', /polarr/i],
  ['Picasa', /picasa/i],
  ['Photoroom', /photoroom/i],
];

const ABSORBS_PHOTOSHOP = new Set(['Adobe Lightroom', 'Adobe Photoshop Express', 'Adobe Camera Raw']);

/** Editor names found in a software string, most specific only ('Adobe Lightroom', not also 'Adobe Photoshop'). */
export function editorsIn(software: string | null | undefined): string[] {
  if (!software) return [];
  let rest = software;
  const found: string[] = [];
  for (const [name, pattern] of EDITORS) {
    if (pattern.test(rest)) {
      found.push(name);
      // Blank out the match so 'Photoshop Lightroom' is not also counted as Photoshop.
      rest = rest.replace(new RegExp(pattern.source, 'gi'), ' ');
      // 'Adobe Photoshop Lightroom', 'Photoshop Camera Raw': product names that contain 'Photoshop'.
      if (ABSORBS_PHOTOSHOP.has(name)) rest = rest.replace(/photoshop/gi, ' ');
    }
  }
  return found;
}
