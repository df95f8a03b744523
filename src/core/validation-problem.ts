/** One problem with a request, in the shape FastAPI clients already parse. */
export interface ValidationProblem {
  loc: (string | number)[];
  msg: string;
  type: string;
}
