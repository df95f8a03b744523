import { imageCostProblems, ImageParamsDto, MAX_TASK_OUTPUT_PIXELS } from './image.params';

const params = (fields: Partial<ImageParamsDto>): ImageParamsDto =>
  Object.assign(new ImageParamsDto(), fields);

describe('imageCostProblems', () => {
  it('accepts a task at the output pixel limit', () => {
    // 250,000,000 = 100 x 2500 x 1000.
    expect(MAX_TASK_OUTPUT_PIXELS).toBe(100 * 2500 * 1000);
    expect(
      imageCostProblems(params({ num_images: 100, target_width: 2500, target_height: 1000 })),
    ).toEqual([]);
  });

  it('refuses generated images over the limit, naming it and what would fit', () => {
    expect(
      imageCostProblems(params({ num_images: 100, target_width: 8192, target_height: 8192 })),
    ).toEqual([
      {
        loc: ['num_images'],
        msg:
          '100 images at 8192x8192 are 6711 megapixels; a task may ask for at most 250 ' +
          'megapixels of output (at this size, at most 3 images), so split it or ask for a ' +
          'smaller size',
        type: 'value_error.too_many_pixels',
      },
    ]);
  });

  it('counts a repeated file once', () => {
    const ids = Array.from({ length: 100 }, () => 'f'.repeat(32));
    expect(
      imageCostProblems(params({ file_ids: ids, target_width: 8192, target_height: 8192 })),
    ).toEqual([]);
    const distinct = ['a', 'b', 'c', 'd'].map((c) => c.repeat(32));
    const [problem] = imageCostProblems(
      params({ file_ids: distinct, target_width: 8192, target_height: 8192 }),
    );
    expect(problem.loc).toEqual(['file_ids']);
    expect(problem.msg).toMatch(/^4 images at 8192x8192 .* at most 250 megapixels/);
  });

  it('leaves malformed sizes to the field checks', () => {
    expect(
      imageCostProblems(params({ num_images: 100, target_width: 1e9, target_height: 0.5 })),
    ).toEqual([]);
  });
});
