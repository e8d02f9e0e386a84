import type { Command } from '../command';
import { groupLagCommand, groupReset } from './group';
import { tableDump, tableGet, tableScan } from './table';
import { topicsDescribe, topicsEnsure, topicsList } from './topics';

/** Every command, in the order of the help. */
export const COMMANDS: readonly Command[] = [topicsList, topicsEnsure, topicsDescribe, tableGet, tableScan, tableDump, groupLagCommand, groupReset];
