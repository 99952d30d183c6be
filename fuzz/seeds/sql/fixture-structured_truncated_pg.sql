-- PostgreSQL database dump

CREATE TABLE public.leads (
    id integer,
    email text,
    note text
);

INSERT INTO public.leads VALUES (1, 'olga.kim60@mail.kz', 'ok');
INSERT INTO public.leads VALUES (2, 't.petrov61@gmail.com', 'unterminated note, call +7 702 171 76 26
and write to zhumabaev62@inbox.ru