// One codec family per film: AV1 where this browser decodes the film's AV1 variants, H.264 elsewhere.
// The master lists both (docs/encoding.md); hls.js is given only the chosen family's variants, so its
// ABR switches rungs within one codec and never changes codec mid-film.

const STREAM_INF = "#EXT-X-STREAM-INF:";

function codecsOf(streamInf) {
  const match = /CODECS="([^"]*)"/.exec(streamInf);
  return match ? match[1] : "";
}

export function isAv1(codecs) {
  return codecs.split(",").some((codec) => codec.trim().startsWith("av01"));
}

/** Whether this browser's Media Source decodes `codecs` in fMP4 (ManagedMediaSource on recent Safari). */
export function decodesInMp4(codecs) {
  const source = window.MediaSource || window.ManagedMediaSource;
  return Boolean(source && source.isTypeSupported && source.isTypeSupported(`video/mp4; codecs="${codecs}"`));
}

/**
 * The master with only one family's variants: the AV1 ones if every one of them is decodable here
 * (`decodable(codecs)`), else every variant that is not AV1. A master without AV1 comes back as it is.
 */
export function oneCodecFamily(master, decodable = decodesInMp4) {
  const lines = master.split("\n");
  const variants = [];
  lines.forEach((line, index) => {
    if (line.startsWith(STREAM_INF)) variants.push({ index, codecs: codecsOf(line) });
  });
  const av1 = variants.filter((variant) => isAv1(variant.codecs));
  if (!av1.length) return master;
  const useAv1 = av1.every((variant) => decodable(variant.codecs));
  const dropped = new Set();
  for (const variant of variants) {
    if (isAv1(variant.codecs) !== useAv1) {
      dropped.add(variant.index);
      dropped.add(variant.index + 1); // its URI
    }
  }
  return lines.filter((_line, index) => !dropped.has(index)).join("\n");
}

/** An hls.js loader class that hands hls.js the master with one codec family (see oneCodecFamily). */
export function oneCodecLoader(Hls) {
  const Base = Hls.DefaultConfig.loader;
  return class OneCodecLoader extends Base {
    load(context, config, callbacks) {
      if (context.type !== "manifest") {
        super.load(context, config, callbacks);
        return;
      }
      const onSuccess = callbacks.onSuccess;
      super.load(context, config, { ...callbacks,
        onSuccess(response, stats, loaded, details) {
          if (typeof response.data === "string") response.data = oneCodecFamily(response.data);
          onSuccess(response, stats, loaded, details);
        } });
    }
  };
}
