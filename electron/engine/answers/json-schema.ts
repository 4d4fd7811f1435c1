// `livekit schema`: the answer file's JSON Schema, input side (defaults make keys optional).
import { z } from 'zod';
import { answersSchema } from '../../shared/answers.ts';

export function answersJsonSchema(): object {
  return z.toJSONSchema(answersSchema, { io: 'input', target: 'draft-2020-12' });
}
