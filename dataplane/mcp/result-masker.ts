import type { CallToolResult, GetPromptResult, ReadResourceResult } from '@modelcontextprotocol/sdk/types.js';
import type { JsonValue } from '../../engine/model/index.ts';
import { applyMask, type MaskPath } from './json-path-mask.ts';

export type MaskOutcome<T> = { ok: true; result: T; masked: number } | { ok: false; reason: string };

/**
 * Masks a tool result: its `structuredContent`, and every text item, which must hold JSON.
 * Anything the paths cannot be applied to (plain text, images, audio, embedded or linked
 * resources) means the proxy cannot know whether it hides what the policy asks: refused.
 */
export function maskToolResult(result: CallToolResult, paths: MaskPath[]): MaskOutcome<CallToolResult> {
  if (paths.length === 0) return { ok: true, result, masked: 0 };
  let masked = 0;
  const content: CallToolResult['content'] = [];
  for (const [index, item] of result.content.entries()) {
    if (item.type !== 'text') return { ok: false, reason: `content item ${index} is ${item.type}, which cannot be masked` };
    const text = maskJsonText(item.text, paths);
    if (!text.ok) return { ok: false, reason: `content item ${index} ${text.reason}` };
    masked += text.masked;
    content.push({ ...item, text: text.text });
  }
  const out: CallToolResult = { ...result, content };
  if (result.structuredContent !== undefined) {
    const structured = applyMask(result.structuredContent as JsonValue, paths);
    masked += structured.masked;
    out.structuredContent = structured.value as Record<string, unknown>;
  }
  return { ok: true, result: out, masked };
}

export function maskResourceResult(result: ReadResourceResult, paths: MaskPath[]): MaskOutcome<ReadResourceResult> {
  if (paths.length === 0) return { ok: true, result, masked: 0 };
  let masked = 0;
  const contents: ReadResourceResult['contents'] = [];
  for (const [index, item] of result.contents.entries()) {
    if (!('text' in item) || typeof item.text !== 'string') return { ok: false, reason: `content ${index} is binary, which cannot be masked` };
    const text = maskJsonText(item.text, paths);
    if (!text.ok) return { ok: false, reason: `content ${index} ${text.reason}` };
    masked += text.masked;
    contents.push({ ...item, text: text.text });
  }
  return { ok: true, result: { ...result, contents }, masked };
}

export function maskPromptResult(result: GetPromptResult, paths: MaskPath[]): MaskOutcome<GetPromptResult> {
  if (paths.length === 0) return { ok: true, result, masked: 0 };
  let masked = 0;
  const messages: GetPromptResult['messages'] = [];
  for (const [index, message] of result.messages.entries()) {
    if (message.content.type !== 'text') return { ok: false, reason: `message ${index} is ${message.content.type}, which cannot be masked` };
    const text = maskJsonText(message.content.text, paths);
    if (!text.ok) return { ok: false, reason: `message ${index} ${text.reason}` };
    masked += text.masked;
    messages.push({ ...message, content: { ...message.content, text: text.text } });
  }
  return { ok: true, result: { ...result, messages }, masked };
}

function maskJsonText(text: string, paths: MaskPath[]): { ok: true; text: string; masked: number } | { ok: false; reason: string } {
  let parsed: JsonValue;
  try {
    parsed = JSON.parse(text) as JsonValue;
  } catch {
    return { ok: false, reason: 'is not JSON, so its fields cannot be masked' };
  }
  const { value, masked } = applyMask(parsed, paths);
  return { ok: true, text: JSON.stringify(value), masked };
}
