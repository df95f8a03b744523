import { TASK_TYPES } from '../core/task-type';
import { TaskTypesController } from './task-types.controller';
import { validateTaskParams } from './validate-task-params';

describe('TaskTypesController', () => {
  const served = new TaskTypesController().list();

  it('answers every task type', () => {
    expect(Object.keys(served).sort()).toEqual([...TASK_TYPES].sort());
  });

  it.each(TASK_TYPES)('serves for %s the defaults a bare submit gets', async (type) => {
    const bare = await validateTaskParams(type, {});
    expect(bare).toMatchObject(served[type].defaults);
  });

  it('serves the choices the validation accepts, and refuses others', async () => {
    const { fit, format } = served.image_processing.choices;
    for (const value of fit) {
      await expect(validateTaskParams('image_processing', { fit: value })).resolves.toMatchObject({
        fit: value,
      });
    }
    for (const value of format) {
      await expect(
        validateTaskParams('image_processing', { format: value }),
      ).resolves.toMatchObject({ format: value });
    }
    await expect(validateTaskParams('image_processing', { fit: 'stretch' })).rejects.toThrow(
      /fit must be one of/,
    );
  });
});
