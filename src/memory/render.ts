/**
 * DOT -> SVG without a system Graphviz: Graphviz compiled to WebAssembly (the npm package
 * @viz-js/viz, ~1.2 MB of JS with the module inlined). Loaded on the first picture only, so a
 * service that never draws one never pays for it; the instance is kept for later pictures.
 */
import { invalidParameterError, errorMessage } from '../core/errors';

interface Viz {
  renderString(src: string, options: { format: string; engine?: string }): string;
}

let instance: Promise<Viz> | undefined;

function load(): Promise<Viz> {
  if (!instance) {
    let mod: { instance(): Promise<Viz> };
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      mod = require('@viz-js/viz') as { instance(): Promise<Viz> };
    } catch (err) {
      return Promise.reject(new Error(`afterburner: memory.render needs the package @viz-js/viz (a dependency of afterburner; was it pruned?): ${errorMessage(err)}`));
    }
    instance = mod.instance();
    // A failed start is not cached: the next call tries again.
    instance.catch(() => {
      instance = undefined;
    });
  }
  return instance;
}

/**
 * Renders Graphviz DOT text (toDot(), backrefsDot(), refsDot()) to an SVG document string with the
 * `dot` layout. Malformed DOT rejects with Graphviz's message.
 */
export async function render(dot: string): Promise<string> {
  if (typeof dot !== 'string') throw invalidParameterError('dot', 'Graphviz DOT text (a string)', dot);
  const viz = await load();
  try {
    return viz.renderString(dot, { format: 'svg', engine: 'dot' });
  } catch (err) {
    throw new Error(`afterburner: Graphviz could not render the DOT text: ${errorMessage(err)}`);
  }
}
