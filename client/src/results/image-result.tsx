import { useState } from 'preact/hooks';
import { formatNumber } from '../lib/format';
import { safeUrl } from '../lib/safe-url';
import { asNumber, asRecords, asText, type Json } from './json-shape';
import { SummaryList } from './summary-list';

function Thumbnail({ src, alt }: { src: string | undefined; alt: string }) {
  const [broken, setBroken] = useState(false);
  if (!src || broken) {
    return <div class="thumb thumb-missing">No preview</div>;
  }
  return <img class="thumb" src={src} alt={alt} loading="lazy" onError={() => setBroken(true)} />;
}

/** Processed images as a gallery: thumbnail, sizes, and a download link for each. */
export function ImageResult({ result }: { result: Json }) {
  const images = asRecords(result.images);
  return (
    <section class="result result-image" aria-labelledby="image-result-heading">
      <h3 id="image-result-heading">Images</h3>
      <SummaryList
        items={[
          ['Total', result.total_images],
          ['Processed', result.processed_successfully],
          ['Failed', result.failed],
        ]}
      />
      <ul class="gallery" data-result-gallery>
        {images.map((image, index) => {
          const name =
            asText(image.processed_name) ?? asText(image.original_name) ?? `#${index + 1}`;
          const original = asText(image.original_name) ?? '?';
          const url = safeUrl(image.url);
          const thumbnail = safeUrl(image.thumbnail_url) ?? url;
          const sizeKb = asNumber(image.file_size_kb);
          const error = asText(image.error);
          return (
            <li key={index} class="gallery-item" data-image-name={name}>
              <figure>
                <Thumbnail src={error ? undefined : thumbnail} alt={`Processed ${original}`} />
                <figcaption>
                  <span class="file-name">{name}</span>
                  {error ? (
                    <span class="field-error">{error}</span>
                  ) : (
                    <span class="muted">
                      {asText(image.original_size) ?? '?'} → {asText(image.new_size) ?? '?'}
                      {sizeKb !== undefined && ` · ${formatNumber(sizeKb)} KB`}
                      {asText(image.format) && ` · ${asText(image.format)}`}
                    </span>
                  )}
                  {url && !error && (
                    <a href={url} download={name} class="download">
                      Download <span class="visually-hidden">{name}</span>
                    </a>
                  )}
                </figcaption>
              </figure>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
