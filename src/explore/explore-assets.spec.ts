import { ExploreAssets } from 'src/explore/explore-assets';

describe('ExploreAssets', () => {
  let assets: ExploreAssets;

  beforeAll(async () => {
    assets = new ExploreAssets();
    await assets.onModuleInit();
  });

  /** The page's bytes for a query, as the server sends them. */
  async function pageFor(search: string): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of assets.page(search).getStream()) {
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  it('should escape what the query holds inside the preload link', async () => {
    // As a browser may send it: quotes and brackets in a query are not always percent-encoded.
    const page = await pageFor('?dataset=sales&metrics="><script>&top=1');
    expect(page).toContain(
      '<link rel="preload" as="fetch" crossorigin href="/v1/datasets/sales/analysis?metrics=&quot;&gt;&lt;script&gt;&amp;top=1" />',
    );
    expect(page).not.toContain('"><script>');
  });

  it('should leave no placeholder in the page', async () => {
    const page = await pageFor('');
    expect(page).not.toMatch(/\{\{\w+\}\}/);
    expect(page).toContain('<link rel="preload" as="fetch" crossorigin href="/v1/datasets" />');
  });
});
