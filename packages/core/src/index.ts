export type { Context, VisitorContext, EmitOptions } from './context';
export type { GroupSpec, GroupGraph, GraphInput, InputEdge, InputsEdge, Handler, VisitorHandler, TopicSuffixes } from './graph';
export { defineGroup, GraphError, DEFAULT_SUFFIXES } from './define_group';
