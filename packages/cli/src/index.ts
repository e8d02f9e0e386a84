export { main } from './main';
export type { MainOptions } from './main';
export type { Io } from './io';
export { processIo } from './io';
