import { uploadIdsOf } from './upload-references';

describe('uploadIdsOf', () => {
  it("names a CSV task's file and an image task's files, each once, lower-cased", () => {
    expect(uploadIdsOf({ file_id: 'ABC', has_header: true })).toEqual(['abc']);
    expect(uploadIdsOf({ file_ids: ['a', 'B', 'b', 7], target_width: 3 })).toEqual(['a', 'b']);
  });

  it('names none for seed parameters', () => {
    expect(uploadIdsOf({ num_rows: 10 })).toEqual([]);
    expect(uploadIdsOf({ num_images: 2 })).toEqual([]);
  });
});
