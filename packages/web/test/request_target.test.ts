import { HttpError, parseRequestTarget } from '../src';

describe('parseRequestTarget', () => {
  it.each([
    ['/', '/', ''],
    ['/api/query?source=view:t&key=a%20b', '/api/query', '?source=view:t&key=a%20b'],
    ['/processors/%E2%82%AC', '/processors/%E2%82%AC', ''],
    ['//api/components', '//api/components', ''],
    ['////', '////', ''],
    ['//x:99/?a=1', '//x:99/', '?a=1'],
    ['//[', '//[', ''],
    ['/a?b[]=1&c={}', '/a', '?b[]=1&c={}'],
    ["/a/b;c=d/@e:f!$&'()*+,=~", "/a/b;c=d/@e:f!$&'()*+,=~", ''],
  ])('takes %j as the path %j and query %j, never a host', (target, pathname, search) => {
    const url = parseRequestTarget(target);
    expect({ pathname: url.pathname, search: url.search, host: url.host }).toEqual({ pathname, search, host: 'request.target' });
  });

  it('keeps query parameters as sent', () => {
    expect(parseRequestTarget('/q?key=%2F%2Fevil&x=%E2%82%AC').searchParams.get('key')).toBe('//evil');
  });

  it.each([
    [undefined, /no target/],
    ['', /no target/],
    ['*', /not a path/],
    ['http://example.com/', /not a path/],
    ['example.com:80', /not a path/],
    ['api/components', /not a path/],
    ['//%', /% not followed by two hex digits/],
    ['/%zz', /% not followed by two hex digits/],
    ['/a%2', /% not followed by two hex digits/],
    ['/a#b', /percent-encoded/],
    ['/a\\b', /percent-encoded/],
    ['/\\\\evil.example/', /percent-encoded/],
    ['/caf\u00e9', /percent-encoded/],
    ['/a b', /percent-encoded/],
    ['/a\tb', /percent-encoded/],
    ['/\u0000', /percent-encoded/],
  ])('refuses %j with a 400 that says why', (target, reason: RegExp) => {
    let thrown: unknown;
    try {
      parseRequestTarget(target);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(HttpError);
    expect((thrown as HttpError).status).toBe(400);
    expect((thrown as HttpError).message).toMatch(reason);
  });

  it('cuts a long target in its message', () => {
    expect(() => parseRequestTarget(`/${'%'.repeat(10_000)}`)).toThrow(/^request target "\/%{199}\.\.\."/);
  });
});
