import { outputTaskRefusal, uploadRefusal } from './storage-quota';

describe('storage quota', () => {
  describe('uploadRefusal', () => {
    it('lets an upload take the project up to the quota', () => {
      expect(uploadRefusal(1000, { uploads: 300, outputs: 200 }, 500)).toBeNull();
    });

    it('counts outputs with uploads and names the quota, its value and the use', () => {
      const detail = uploadRefusal(1000, { uploads: 300, outputs: 600 }, 200);
      expect(detail).toContain('QUOTA_STORAGE_BYTES is 1000');
      expect(detail).toContain('900 are used (300 uploads, 600 outputs)');
      expect(detail).toContain('this upload has 200');
    });
  });

  describe('outputTaskRefusal', () => {
    it('lets a task start below the quota', () => {
      expect(outputTaskRefusal(1000, { uploads: 500, outputs: 499 })).toBeNull();
    });

    it('refuses at the quota and over it, counting outputs', () => {
      expect(outputTaskRefusal(1000, { uploads: 0, outputs: 1000 })).toContain(
        'QUOTA_STORAGE_BYTES is 1000',
      );
      expect(outputTaskRefusal(1000, { uploads: 400, outputs: 900 })).toContain(
        '1300 are used (400 uploads, 900 outputs)',
      );
    });
  });
});
